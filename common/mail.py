"""Sending an email written as two templates: ``<name>_subject.txt`` and ``<name>.txt``."""

import email.policy

from django.core.mail import EmailMessage
from django.template.loader import render_to_string


class LongHeaderEmailMessage(EmailMessage):
    """Keeps a header holding one long URL (``List-Unsubscribe``) on one line: folded at
    78 characters, Python would turn it into encoded words, which mail clients ignore.
    RFC 5322 allows lines up to 998 characters."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def send_templated_email(
    template: str,
    to: list[str],
    context: dict,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """``headers``: extra ones, e.g. ``List-Unsubscribe`` for notifications."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    message_class = LongHeaderEmailMessage if headers else EmailMessage
    message_class(
        subject=subject, body=body, to=to, reply_to=reply_to or [], headers=headers or {}
    ).send()
