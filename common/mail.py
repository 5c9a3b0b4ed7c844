"""Sending an email written as two templates: ``<name>_subject.txt`` and ``<name>.txt``."""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def send_templated_email(
    template: str, to: list[str], context: dict, reply_to: list[str] | None = None
) -> None:
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=to, reply_to=reply_to or []).send()
