"""Telling staff and representatives what waits for them, by email.

- **Organisations to verify.** Staff are told of each claim on an organisation and each
  proposal of a new one once it can be decided, that is once the person has confirmed
  their email address (``services.approve_claim`` refuses before): when they confirm it
  (allauth's ``email_confirmed``, see ``email_confirmed``), or at once when the claim is
  made by someone whose address is confirmed already. Sign-ups nobody answers for (robots
  among them) thus reach nobody's inbox; the admin's queue still lists them.

  The email is a digest (``common.outbox.queue_digest``): the first request ready starts a
  short wait (``OUTBOX_DIGEST_WINDOW``, five minutes by default) and whatever comes
  meanwhile goes out with it, one email per person, listing the requests ready to decide
  (the newest first, at most ``DIGEST_ROWS``, and how many in all) with a link to each and
  to the admin's queue.

  Who is told: the active staff members of the group named by the setting
  ``VERIFIERS_GROUP`` ("Verifiers"); while that group has none, every active staff member
  allowed to decide claims (the permission to change "organisations to verify",
  superusers included).

- **Requests to join.** Each approved representative of an organisation is told of each
  request to join it, with a link to the page where they decide.

Each email is written in the transaction of what causes it (the outbox), in the
recipient's language (``Member.language``).
"""

from collections import defaultdict

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from common.mail import (
    PersonalParts,
    in_language,
    outgoing_email,
    render_templated_email,
    send_templated_email,
)
from common.outbox import queue_digest
from common.translation import site_language
from network.models import Member, Membership, MembershipRole, MembershipStatus
from projects.models import Organisation

ORGANISATIONS_TO_VERIFY = "network.organisations-to-verify"
DIGEST_ROWS = 20


def absolute_url(path: str) -> str:
    """A full address for a link in an email (no request there: SITE_URL)."""
    return settings.SITE_URL + path


# --- Organisations to verify -----------------------------------------------------------------


def verifiers() -> QuerySet[Member]:
    """Who is told of organisations to verify (see the module's docstring)."""
    staff = Member.objects.filter(is_active=True, is_staff=True, deleted_at__isnull=True)
    group = staff.filter(groups__name=settings.VERIFIERS_GROUP)
    if group.exists():
        return group
    may_decide = Q(codename="change_representativeclaim", content_type__app_label="network")
    return staff.filter(
        Q(is_superuser=True)
        | Q(user_permissions__in=_permissions(may_decide))
        | Q(groups__permissions__in=_permissions(may_decide))
    ).distinct()


def _permissions(condition: Q):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(condition)


def claims_ready() -> QuerySet[Membership]:
    """Claims and proposals waiting for staff that staff may decide now: the person's
    address is confirmed, their account open."""
    confirmed = EmailAddress.objects.filter(user=OuterRef("member"), verified=True)
    return (
        Membership.objects.pending()
        .representatives()
        .filter(member__is_active=True, member__deleted_at__isnull=True)
        .filter(Exists(confirmed))
    )


def organisations_to_verify_changed() -> None:
    """A claim or a proposal became ready to decide: the verifiers are told (a digest),
    in the caller's transaction."""
    queue_digest(ORGANISATIONS_TO_VERIFY, _organisations_to_verify_emails)


def _organisations_to_verify_emails() -> list:
    recipients = list(verifiers().order_by("pk"))
    if not recipients:
        return []
    waiting = claims_ready()
    listed = Organisation.objects.listed().filter(pk=OuterRef("organisation"))
    claims = list(
        waiting.select_related("member", "organisation")
        .annotate(organisation_listed=Exists(listed))
        .order_by("-created", "-pk")[:DIGEST_ROWS]
    )
    if not claims:
        return []
    count = len(claims) if len(claims) < DIGEST_ROWS else waiting.count()

    def context() -> dict:  # under the recipients' language
        return {
            "claims": [
                {
                    "organisation_name": claim.organisation.name,
                    "listed": claim.organisation_listed,
                    "member_name": claim.member.display_name,
                    "member_email": claim.member.email,
                    "created": timezone.localtime(claim.created),
                    "url": absolute_url(
                        reverse("admin:network_representativeclaim_change", args=[claim.pk])
                    ),
                }
                for claim in claims
            ],
            "count": count,
            "more": count - len(claims),
            "queue_url": absolute_url(reverse("admin:network_representativeclaim_changelist")),
        }

    return personal_emails("network/email/organisations_to_verify", recipients, context)


def personal_emails(template: str, recipients, context_for) -> list:
    """Unsaved outbox rows of ``template`` to each of ``recipients``, rendered once per
    language with ``context_for()`` (called under that language) and their name filled
    in for each."""
    by_language = defaultdict(list)
    for member in recipients:
        by_language[site_language(member.language)].append(member)
    personal = PersonalParts("recipient_name")
    emails = []
    for language, members in by_language.items():
        with in_language(language):
            context = {**context_for(), **personal.placeholders}
        shared = render_templated_email(template, context, language=language)
        for member in members:
            rendered = personal.fill(shared, {"recipient_name": member.display_name})
            emails.append(outgoing_email(rendered, member.email))
    return emails


def email_confirmed(sender, *, email_address, **kwargs) -> None:
    """allauth's ``email_confirmed``: a person who claimed or proposed an organisation
    confirmed their first address, so staff may now decide. (Confirming a new address
    that replaces one confirmed before changes nothing for staff.)"""
    member_id = email_address.user_id
    confirmed_before = (
        EmailAddress.objects.filter(user_id=member_id, verified=True)
        .exclude(pk=email_address.pk)
        .exists()
    )
    if confirmed_before or not claims_ready().filter(member_id=member_id).exists():
        return
    with transaction.atomic():
        organisations_to_verify_changed()


# --- Requests to join ------------------------------------------------------------------------


def join_requested(membership: Membership) -> None:
    """Each approved representative of the organisation is told that ``membership``'s
    member asks to join it, with the link to decide; in the request's transaction."""
    organisation = membership.organisation
    applicant = membership.member
    representatives = (
        Member.objects.with_verified_email()
        .filter(
            is_active=True,
            deleted_at__isnull=True,
            memberships__organisation=organisation,
            memberships__role=MembershipRole.REPRESENTATIVE,
            memberships__status=MembershipStatus.APPROVED,
        )
        .exclude(pk=applicant.pk)
        .order_by("pk")
    )
    requested = timezone.now().timestamp()
    for representative in representatives:
        with in_language(representative.language):
            manage_url = absolute_url(
                reverse("network:manage_members", kwargs={"slug": organisation.slug})
            )
            applicant_url = ""
            if Member.objects.visible_to(representative).filter(pk=applicant.pk).exists():
                applicant_url = absolute_url(applicant.get_absolute_url())
        send_templated_email(
            "network/email/join_request",
            representative,
            {
                "representative": representative,
                "applicant_name": applicant.display_name,
                "applicant_url": applicant_url,
                "organisation": organisation,
                "manage_url": manage_url,
            },
            cause=f"network.join-request:{membership.pk}:{requested:.6f}",
        )
