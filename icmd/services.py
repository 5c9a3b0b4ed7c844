"""Messages sent to the team through the contact page."""

import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from common.mail import in_language, send_templated_email
from common.translation import site_language
from network.models import Member


class ContactUnavailable(Exception):
    """Nobody to write to: no address in CONTACT_EMAILS and no active staff member."""


def contact_recipients() -> list[tuple[str, str]]:
    """(address, language) of each person the contact page writes to: the addresses of
    ``settings.CONTACT_EMAILS`` (each in the language of the member who has it, else the
    site's), or, when it is empty, every active staff member in their own language."""
    configured = list(dict.fromkeys(settings.CONTACT_EMAILS))
    if configured:
        languages = dict(
            Member.objects.filter(email__in=configured, is_active=True).values_list(
                "email", "language"
            )
        )
        return [(address, site_language(languages.get(address))) for address in configured]
    staff = Member.objects.filter(is_staff=True, is_active=True, deleted_at__isnull=True)
    return [
        (address, site_language(language))
        for address, language in staff.exclude(email="")
        .order_by("pk")
        .values_list("email", "language")
    ]


@transaction.atomic
def send_contact_message(
    *,
    name: str,
    email: str,
    topic_label: str,
    subject: str,
    message: str,
    language: str,
    sender: Member | None = None,
    token: uuid.UUID | None = None,
) -> int:
    """Write the message to each recipient of the contact page, in their language,
    through the outbox, with ``email`` as the address to reply to. ``topic_label`` is a
    lazy translation (rendered in each recipient's language); ``language``, that of the
    page the person wrote from; ``sender``, the member who wrote, when logged in. Returns
    how many recipients; ContactUnavailable when there is none."""
    recipients = contact_recipients()
    if not recipients:
        raise ContactUnavailable(_("The message could not be sent. Please try again later."))
    by_language = defaultdict(list)
    for address, recipient_language in recipients:
        by_language[recipient_language].append(address)
    # One cause per message: a form posted again with the same token writes nothing twice.
    cause = f"icmd.contact:{token or uuid.uuid4()}"
    context = {
        "name": name,
        "email": email,
        "topic": topic_label,
        "subject": subject,
        "message": message,
        "page_language": language,
        "sender": sender,
    }
    for recipient_language, addresses in by_language.items():
        if sender is not None:
            # The sender's profile (staff may open any), under the recipient's language.
            with in_language(recipient_language):
                context["sender_url"] = settings.SITE_URL + sender.get_absolute_url()
        send_templated_email(
            "icmd/email/contact_message",
            addresses,
            context,
            language=recipient_language,
            cause=cause,
            reply_to=[email],
        )
    return len(recipients)
