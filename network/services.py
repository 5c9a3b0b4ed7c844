"""Writes that touch several rows of M4D Net: joining, claiming organisations, decisions.

Each function is one transaction; views and admin call these instead of saving models.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common.mail import in_language, send_templated_email
from network.models import Member, Membership, MembershipRole, MembershipStatus
from projects.models import Organisation


class MembershipError(Exception):
    """An action that the rules refuse; its message is shown to the person."""


@dataclass
class NewOrganisation:
    name: str
    kind: str
    country: str
    website: str = ""
    description: str = ""


def unique_organisation_slug(name: str) -> str:
    base = slugify(name)[:200] or "organisation"
    slug, counter = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def claim_organisation(member: Member, organisation: Organisation) -> Membership:
    """``member`` says they represent ``organisation``: staff will verify."""
    membership, created = Membership.objects.get_or_create(
        member=member,
        organisation=organisation,
        defaults={"role": MembershipRole.REPRESENTATIVE},
    )
    if not created:
        raise MembershipError(_("You have already asked to join this organisation."))
    return membership


@transaction.atomic
def propose_organisation(member: Member, new: NewOrganisation) -> Membership:
    """``member`` registers a new organisation and represents it, once staff verify both."""
    organisation = Organisation.objects.create(
        name=new.name,
        slug=unique_organisation_slug(new.name),
        kind=new.kind,
        country=new.country,
        website=new.website,
        description=new.description,
        verified=False,
    )
    return Membership.objects.create(
        member=member, organisation=organisation, role=MembershipRole.REPRESENTATIVE
    )


@transaction.atomic
def request_membership(member: Member, organisation: Organisation) -> Membership:
    """``member`` says they belong to ``organisation``: its representatives will decide."""
    membership, created = Membership.objects.get_or_create(
        member=member, organisation=organisation, defaults={"role": MembershipRole.MEMBER}
    )
    if not created and membership.status != MembershipStatus.REJECTED:
        raise MembershipError(_("You have already asked to join this organisation."))
    if not created:  # asking again after a refusal
        membership.status, membership.reason = MembershipStatus.PENDING, ""
        membership.decided_at = membership.decided_by = None
        membership.save()
    return membership


def is_representative(member, organisation: Organisation) -> bool:
    if not getattr(member, "is_authenticated", False):
        return False
    return (
        Membership.objects.approved()
        .representatives()
        .filter(member=member, organisation=organisation)
        .exists()
    )


def can_manage(member, organisation: Organisation) -> bool:
    """Who edits an organisation's profile and decides who belongs to it: its approved
    representatives, and staff."""
    if getattr(member, "is_authenticated", False) and member.is_staff and member.is_active:
        return True
    return is_representative(member, organisation)


def _decide(membership: Membership, status: str, by: Member, reason: str) -> None:
    membership.status = status
    membership.reason = reason
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["status", "reason", "decided_at", "decided_by"])


def _notify(membership: Membership, template: str, request=None) -> None:
    """Tell the member of a decision, once it is committed, in the member's language
    (not that of whoever decided: staff may decide in the admin in another language)."""
    member = membership.member

    def send():
        with in_language(member.language):
            path = membership.organisation.get_absolute_url()
            context = {
                "membership": membership,
                "member": member,
                "organisation": membership.organisation,
                "organisation_url": (
                    request.build_absolute_uri(path) if request else settings.SITE_URL + path
                ),
            }
        send_templated_email(f"network/email/{template}", member, context)

    transaction.on_commit(send)


@transaction.atomic
def approve_claim(membership: Membership, staff: Member, request=None) -> None:
    """Staff confirm a representative: the organisation becomes verified."""
    if membership.role != MembershipRole.REPRESENTATIVE:
        raise MembershipError(_("Only representatives are verified by staff."))
    _decide(membership, MembershipStatus.APPROVED, staff, "")
    Organisation.objects.filter(pk=membership.organisation_id).update(verified=True)
    membership.organisation.verified = True
    _notify(membership, "claim_approved", request)


@transaction.atomic
def reject_claim(membership: Membership, staff: Member, reason: str, request=None) -> None:
    if not reason.strip():
        raise MembershipError(_("Say why the request is rejected: the person will be told."))
    _decide(membership, MembershipStatus.REJECTED, staff, reason.strip())
    _notify(membership, "claim_rejected", request)


@transaction.atomic
def approve_member(membership: Membership, representative: Member, request=None) -> None:
    if not can_manage(representative, membership.organisation):
        raise MembershipError(_("Only its representatives decide who belongs to an organisation."))
    if membership.role != MembershipRole.MEMBER:
        raise MembershipError(_("Representatives are verified by the ICMD team."))
    _decide(membership, MembershipStatus.APPROVED, representative, "")
    _notify(membership, "membership_approved", request)


@transaction.atomic
def remove_member(
    membership: Membership, representative: Member, reason: str = "", request=None
) -> None:
    """A representative refuses a request or removes someone from the organisation."""
    if not can_manage(representative, membership.organisation):
        raise MembershipError(_("Only its representatives decide who belongs to an organisation."))
    if membership.member_id == representative.pk:
        raise MembershipError(_("You cannot remove yourself; ask the ICMD team."))
    if membership.role != MembershipRole.MEMBER and not representative.is_staff:
        raise MembershipError(_("Only the ICMD team removes a representative."))
    _decide(membership, MembershipStatus.REJECTED, representative, reason.strip())
    _notify(membership, "membership_removed", request)
