"""Sending an email written as two templates: ``<name>_subject.txt`` and ``<name>.txt``,
in the recipient's language.

The templates are rendered under ``translation.override(language)``: ``{% translate %}``,
URLs reversed inside them and translated content (``forum.name``) are in that language.
Links built outside the templates must be built under the same override (see
``in_language``).

An email sent to many people (notifications) is rendered once per language, not once per
person: the parts that differ per person (their name, their unsubscribe link) are given to
the templates as placeholders (``PersonalParts``), and filled in for each recipient.

Nothing here talks to a mail server: emails are written to the outbox (``common.outbox``)
in the caller's transaction and sent by the worker once it commits.
"""

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from django.template.loader import render_to_string
from django.utils import translation

from common.models import OutgoingEmail
from common.outbox import queue_emails
from common.translation import site_language


class Recipient(Protocol):
    """Whom an email is for: an address and a preferred language (``network.Member``)."""

    email: str
    language: str


@contextmanager
def in_language(language: str) -> Iterator[str]:
    """Everything inside (gettext, ``reverse``, translated fields) in ``language``:
    ``with in_language(member.language): url = absolute_url(obj.get_absolute_url())``."""
    language = site_language(language)
    with translation.override(language):
        yield language


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    language: str


def render_templated_email(template: str, context: Mapping, *, language: str) -> RenderedEmail:
    """The subject (on one line) and the body of ``template`` in ``language``."""
    with in_language(language) as language:
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return RenderedEmail(subject=subject, body=body, language=language)


class PersonalParts:
    """Placeholders for the values of an email that differ per recipient, so that the
    rest is rendered once and shared: give ``placeholders`` to the template's context,
    render it once, then ``fill`` it for each person. A template must print these values
    as they are (no filter: it would change the placeholder, not the value). The
    placeholders hold a random part, so no text written by a member can contain them."""

    def __init__(self, *names: str):
        token = secrets.token_hex(8)
        self.placeholders = {name: f"[[{name}:{token}]]" for name in names}

    def fill(self, rendered: RenderedEmail, values: Mapping[str, str]) -> RenderedEmail:
        if set(values) != set(self.placeholders):
            raise ValueError(f"Expected values for {sorted(self.placeholders)}.")
        subject, body = rendered.subject, rendered.body
        for name, placeholder in self.placeholders.items():
            subject = subject.replace(placeholder, " ".join(str(values[name]).split()))
            body = body.replace(placeholder, str(values[name]))
        return replace(rendered, subject=subject, body=body)


def outgoing_email(
    rendered: RenderedEmail,
    to: str,
    *,
    cause: str = "",
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> OutgoingEmail:
    """An outbox row (unsaved) for ``rendered`` to one address: to queue many at once with
    ``common.outbox.queue_emails``. ``headers``: extra ones, e.g. ``List-Unsubscribe``."""
    return OutgoingEmail(
        to=to,
        language=rendered.language,
        subject=rendered.subject,
        body=rendered.body,
        reply_to=reply_to or [],
        headers=headers or {},
        cause=cause,
    )


def send_rendered_email(
    rendered: RenderedEmail,
    to: list[str],
    *,
    cause: str = "",
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send ``rendered`` to each address of ``to`` through the outbox: written now, in the
    caller's transaction, and delivered by the worker once it commits."""
    queue_emails(
        outgoing_email(rendered, address, cause=cause, reply_to=reply_to, headers=headers)
        for address in to
    )


def send_templated_email(
    template: str,
    to: Recipient | list[str],
    context: Mapping,
    *,
    language: str | None = None,
    cause: str = "",
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Render ``template`` in the recipient's language and send it (through the outbox).
    ``to`` is a member (its address and its ``language``) or a list of addresses, with
    ``language`` then required."""
    if isinstance(to, list):
        if language is None:
            raise TypeError("send_templated_email: say in which language to write (language=…).")
        addresses = to
    else:
        addresses = [to.email]
        language = language or to.language
    rendered = render_templated_email(template, context, language=language)
    send_rendered_email(rendered, addresses, cause=cause, reply_to=reply_to, headers=headers)
