"""A member's own data: everything the portal holds about them, and deleting their account.

Other apps hold data about members too (forums will hold posts and subscriptions). The
network does not import them (imports point ``network`` ← ``forums``): they plug in here
instead, from their ``AppConfig.ready()``:

- ``register_data_section("forum_posts", posts_of)`` adds ``{"forum_posts": posts_of(member)}``
  to the export (the function returns anything JSON can hold, dates included);
- ``account_deleted`` is sent inside the deletion's transaction, with ``member`` (already
  anonymised), for data to remove too (subscriptions, drafts). Posts stay: they are shown
  as written by "former member" (``Member.display_name``);
- ``register_terms_version(source)``: the site's pages say which version of the terms of
  use is in force (``source()``), the version a new member accepts on signing up.
"""

import secrets
from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from network.models import Member, Membership, Visibility

DataSection = Callable[[Member], Any]

_data_sections: dict[str, DataSection] = {}

account_deleted = Signal()  # sent with member=…, inside delete_account's transaction


_terms_version: Callable[[], str] = str  # no terms registered: an empty version


def register_terms_version(source: Callable[[], str]) -> None:
    """``source()`` gives the version of the terms of use in force."""
    global _terms_version
    _terms_version = source


def terms_version() -> str:
    """The version of the terms of use a person accepts by signing up now."""
    return _terms_version()


def register_data_section(name: str, section: DataSection) -> None:
    """Add ``{name: section(member)}`` to what ``member_data`` returns."""
    if name in _data_sections and _data_sections[name] is not section:
        raise ValueError(f"A data section named {name!r} is already registered.")
    _data_sections[name] = section


def member_data(member: Member) -> dict[str, Any]:
    """Everything the portal holds about ``member``, ready for ``json.dumps`` with
    Django's encoder (dates as ISO 8601)."""
    data: dict[str, Any] = {
        "account": {
            "email": member.email,
            "name": member.name,
            "date_joined": member.date_joined,
            "last_login": member.last_login,
            "terms_of_use_accepted": member.terms_accepted_at,
            "terms_of_use_version": member.terms_version,
        },
        "profile": {
            "address": member.get_absolute_url(),
            "country": (
                {"code": member.country.code, "name": str(member.country.name)}
                if member.country
                else None
            ),
            "city": member.city,
            "affiliation": member.affiliation,
            "bio": member.bio,
        },
        "expertise": [{"slug": theme.slug, "name": theme.name} for theme in member.expertise.all()],
        "visibility": {
            "value": member.visibility,
            "label": str(Visibility(member.visibility).label),
        },
        "language": {
            "value": member.language,
            "label": str(member.get_language_display()),
        },
        "follow_own_topics": member.follow_own_topics,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=member).order_by("-primary", "email")
        ],
        "memberships": [
            {
                "organisation": {
                    "name": membership.organisation.name,
                    "slug": membership.organisation.slug,
                },
                "role": membership.role,
                "status": membership.status,
                "requested": membership.created,
                "decided": membership.decided_at,
                "reason": membership.reason,
            }
            for membership in Membership.objects.filter(member=member)
            .select_related("organisation")
            .order_by("created")
        ],
    }
    for name, section in _data_sections.items():
        data[name] = section(member)
    return data


def _delete_sessions(member: Member) -> None:
    """Delete the member's sessions stored in the database. (With another session engine
    they end anyway: a session is tied to the password, which deletion makes unusable.)"""
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return
    user_id = str(member.pk)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(
            chunk_size=500
        )
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    if doomed:
        Session.objects.filter(pk__in=doomed).delete()


@transaction.atomic
def delete_account(member: Member) -> None:
    """Anonymise ``member``: personal data removed, the account closed for good. The row
    stays, so that what they posted keeps an author ("former member"); its address gets a
    neutral slug, as the old one was made from their name (the old address answers 404)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    member.email = f"deleted-{member.pk}@invalid"
    member.slug = f"former-member-{secrets.token_hex(6)}"
    member.name = member.city = member.affiliation = member.bio = ""
    member.country = ""
    member.visibility = Visibility.NOBODY
    member.is_active = member.is_staff = member.is_superuser = False
    member.deleted_at = timezone.now()
    member.last_login = None
    member.set_unusable_password()
    member.save()
    member.expertise.clear()
    member.groups.clear()
    member.user_permissions.clear()
    EmailAddress.objects.filter(user=member).delete()
    Membership.objects.filter(member=member).delete()
    # The admin's history names the account as it was then.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=str(member.pk)
    ).update(object_repr=member.display_name)
    _delete_sessions(member)
    account_deleted.send(sender=Member, member=member)
