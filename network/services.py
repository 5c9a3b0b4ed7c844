"""Writes that touch several rows of M4D Net: joining, claiming and proposing organisations,
and the decisions on them.

Each function is one transaction that decides its rule itself: it locks the rows it
decides on (``SELECT … FOR UPDATE``), checks the rule on what it locked and refuses with
``MembershipError`` (its message is for the person). Views and the admin call these and
show the refusal; they never decide. Two people deciding the same request at once are thus
served one after the other: the first decides, the second is told it was already decided.

The member is told of a decision by an email written in the decision's transaction (the
outbox, ``common.outbox``): it exists exactly when the decision does, and is sent once,
after the commit, in the member's language. So are staff told of claims and proposals
ready to decide, and representatives of requests to join (``network.notifications``).
"""

import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common.mail import in_language, send_templated_email
from common.translation import any_language, localized_fields
from network import notifications
from network.models import Member, Membership, MembershipRole, MembershipStatus
from projects.models import Organisation, natural_order


class MembershipError(Exception):
    """An action that the rules refuse; its message is shown to the person."""


class OrganisationNameTaken(MembershipError):
    """A new organisation's name is already a listed organisation's: shown on the name
    field."""


@dataclass
class NewOrganisation:
    name: str
    kind: str
    country: str
    website: str = ""
    description: str = ""


# --- Asking: claims, proposals and requests to join -----------------------------------------


def unique_organisation_slug(name: str, *, exclude: Organisation | None = None) -> str:
    """The first free address made of ``name`` ("kolda", then "kolda-2"…), ``exclude``'s
    own aside."""
    base = slugify(name)[:200] or "organisation"
    others = Organisation.objects.exclude(pk=getattr(exclude, "pk", None))
    slug, counter = base, 2
    while others.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def provisional_slug(name: str) -> str:
    """The address of a proposal while it waits: its name's, with a random ending. Waiting
    thus holds no address a listed organisation would want; staff's approval gives it its
    name's own (``approve_claim``)."""
    return f"{slugify(name)[:190] or 'organisation'}-{secrets.token_hex(4)}"


@transaction.atomic
def claim_organisation(*, member: Member, organisation: Organisation) -> Membership:
    """``member`` says they represent ``organisation``: staff will verify. Once per
    member and organisation (a unique constraint: a second claim, even at the same
    instant, is refused)."""
    membership, created = Membership.objects.get_or_create(
        member=member,
        organisation=organisation,
        defaults={"role": MembershipRole.REPRESENTATIVE},
    )
    if not created:
        raise MembershipError(_("You have already asked to join this organisation."))
    _tell_verifiers_if_ready(member)
    return membership


@transaction.atomic
def propose_organisation(*, member: Member, new: NewOrganisation) -> Membership:
    """``member`` registers a new organisation and represents it, once staff verify both.

    A proposal reserves nothing: it is a row of its own, not listed, with a provisional
    address, and several people may propose the same name (staff decide, see
    ``approve_claim``). Only a *listed* organisation's name is refused, whatever its accents
    and capitals and in any language: that one is in the catalogue, to be claimed instead.
    Two proposals at the same instant thus need no lock: neither refuses the other."""
    name = " ".join(new.name.split())
    if listed_with_name(name).exists():
        raise OrganisationNameTaken(
            _("This organisation is already listed: choose it from the catalogue.")
        )
    organisation = Organisation.objects.create(
        name=name,
        slug=provisional_slug(name),
        kind=new.kind,
        country=new.country,
        website=new.website,
        description=new.description,
        verified=False,
    )
    membership = Membership.objects.create(
        member=member, organisation=organisation, role=MembershipRole.REPRESENTATIVE
    )
    _tell_verifiers_if_ready(member)
    return membership


def _tell_verifiers_if_ready(member: Member) -> None:
    """Staff are told of a claim or a proposal once it can be decided: now if the member's
    address is confirmed, else when they confirm it (``notifications.email_confirmed``)."""
    if EmailAddress.objects.filter(user=member, verified=True).exists():
        notifications.organisations_to_verify_changed()


# --- Names: which listed organisation already bears one ----------------------------------------


def names_of(organisation: Organisation) -> set[str]:
    """``organisation``'s names, in every language it has one."""
    return {
        value
        for value in (getattr(organisation, field) for field in localized_fields("name"))
        if value
    }


def listed_with_name(*names: str) -> QuerySet[Organisation]:
    """Listed organisations bearing one of ``names`` in any language, accents and capitals
    aside."""
    names = tuple(name for name in names if name)
    if not names:
        return Organisation.objects.none()
    condition = Q()
    for name in names:
        condition |= any_language("name", "unaccent__iexact", name)
    return Organisation.objects.listed().filter(condition)


def listed_namesakes(organisation_path: str = "") -> QuerySet[Organisation]:
    """For a query over rows that lead to an organisation (``organisation_path``, e.g.
    ``"organisation__"``; empty for organisations themselves): the *other* listed
    organisations bearing one of its names, in any language, accents and capitals aside.
    Used as a subquery (``Exists``, ``Subquery``)."""
    condition = Q()
    for outer in localized_fields("name"):
        name = OuterRef(f"{organisation_path}{outer}")
        for inner in localized_fields("name"):
            # An empty name (no translation) is nobody's name.
            condition |= Q(**{f"{inner}__unaccent__iexact": name, f"{inner}__gt": ""})
    return (
        Organisation.objects.listed()
        .filter(condition)
        .exclude(pk=OuterRef(f"{organisation_path}pk"))
        .order_by(natural_order("name"))
    )


def _lock_names(organisation: Organisation) -> None:
    """Serialise, until the transaction ends, the approvals that would list an
    organisation with one of these names (compared as ``listed_with_name`` compares them:
    accents and capitals aside) or with this address: two staff approving two proposals of
    one name at the same instant list one, and the second is refused. The locks are taken
    in one order, whoever takes them, so that two approvals never wait for each other."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hashtext('network.organisation.name'), hashtext(upper(unaccent(name))) "
            "FROM unnest(%s::text[]) AS name "
            "UNION SELECT hashtext('network.organisation.slug'), hashtext(%s)",
            [sorted(names_of(organisation)), slugify(organisation.name)[:200]],
        )
        for space, key in sorted(cursor.fetchall()):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [space, key])


@transaction.atomic
def request_membership(*, member: Member, organisation: Organisation) -> Membership:
    """``member`` says they belong to ``organisation``: its representatives will decide.
    A request refused before (or a claim to represent it) may be made again, as a member;
    one waiting or approved may not."""
    membership, created = Membership.objects.get_or_create(
        member=member, organisation=organisation, defaults={"role": MembershipRole.MEMBER}
    )
    if created:
        notifications.join_requested(membership)
        return membership
    membership = _locked(membership)
    if membership.status != MembershipStatus.REJECTED:
        raise MembershipError(_("You have already asked to join this organisation."))
    membership.role, membership.status, membership.reason = (
        MembershipRole.MEMBER,
        MembershipStatus.PENDING,
        "",
    )
    membership.decided_at = membership.decided_by = None
    membership.save(update_fields=["role", "status", "reason", "decided_at", "decided_by"])
    notifications.join_requested(membership)
    return membership


# --- Who manages an organisation ------------------------------------------------------------


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


# --- Decisions --------------------------------------------------------------------------------


def _locked(membership: Membership) -> Membership:
    """``membership`` as it is now, locked until the transaction ends (its member and
    organisation read along, not locked)."""
    try:
        return (
            Membership.objects.select_for_update(of=("self",))
            .select_related("member", "organisation")
            .get(pk=membership.pk)
        )
    except Membership.DoesNotExist:
        raise MembershipError(_("This request no longer exists.")) from None


def _require_pending(membership: Membership) -> None:
    if membership.status != MembershipStatus.PENDING:
        raise MembershipError(_("This request was already decided."))


def _decide(membership: Membership, status: str, by: Member, reason: str) -> None:
    membership.status = status
    membership.reason = reason
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["status", "reason", "decided_at", "decided_by"])


def _notify(membership: Membership, template: str) -> None:
    """Tell the member of a decision, in the member's language (not that of whoever
    decided: staff may decide in the admin in another language). Queued in the
    decision's transaction: sent once it commits, never if it does not."""
    member = membership.member
    with in_language(member.language):
        organisation_url = settings.SITE_URL + membership.organisation.get_absolute_url()
    send_templated_email(
        f"network/email/{template}",
        member,
        {
            "membership": membership,
            "member": member,
            "organisation": membership.organisation,
            "organisation_url": organisation_url,
        },
        cause=f"network.membership:{membership.pk}:{membership.decided_at.timestamp():.6f}",
    )


@transaction.atomic
def approve_claim(*, membership: Membership, staff: Member) -> Membership:
    """Staff confirm a representative: the organisation becomes verified.

    Only someone who confirmed their email address is approved: an address nobody answers
    for would otherwise speak for an organisation. An organisation *proposed* (not listed
    yet) is listed only if no listed organisation bears one of its names by then: a
    proposal is never merged into one listed meanwhile (staff reject it, or the person
    claims the listed one); once listed it takes its name's own address."""
    if not (staff.is_active and staff.is_staff):
        raise MembershipError(_("Representatives are verified by the JMDI team."))
    membership = _locked(membership)
    if membership.role != MembershipRole.REPRESENTATIVE:
        raise MembershipError(_("Only representatives are verified by staff."))
    _require_pending(membership)
    if not EmailAddress.objects.filter(user=membership.member_id, verified=True).exists():
        raise MembershipError(
            _(
                "%(email)s has not confirmed their email address yet: a representative is "
                "approved once they have."
            )
            % {"email": membership.member.email}
        )
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    if not Organisation.objects.listed().filter(pk=organisation.pk).exists():
        _lock_names(organisation)
        namesake = listed_with_name(*names_of(organisation)).exclude(pk=organisation.pk).first()
        if namesake is not None:
            raise MembershipError(
                _(
                    "An organisation with this name is already listed: “%(listed)s”. Reject "
                    "the proposal of “%(proposed)s”, or ask the person to claim the listed "
                    "organisation."
                )
                % {"listed": namesake.name, "proposed": organisation.name}
            )
        organisation.slug = unique_organisation_slug(organisation.name, exclude=organisation)
    _decide(membership, MembershipStatus.APPROVED, staff, "")
    if not organisation.verified:
        organisation.verified = True
        # The organisation's history says who verified it, and on whose request.
        organisation._history_user = staff
        organisation._change_reason = _("Verified by staff (claim of %(member)s)") % {
            "member": membership.member.display_name
        }
        organisation.save(update_fields=["verified", "slug"])
    membership.organisation = organisation
    _notify(membership, "claim_approved")
    return membership


@transaction.atomic
def reject_claim(*, membership: Membership, staff: Member, reason: str) -> Membership:
    """Staff refuse a representative, saying why (the person is told)."""
    if not (staff.is_active and staff.is_staff):
        raise MembershipError(_("Representatives are verified by the JMDI team."))
    if not reason.strip():
        raise MembershipError(_("Say why the request is rejected: the person will be told."))
    membership = _locked(membership)
    if membership.role != MembershipRole.REPRESENTATIVE:
        raise MembershipError(_("Only representatives are verified by staff."))
    _require_pending(membership)
    _decide(membership, MembershipStatus.REJECTED, staff, reason.strip())
    _notify(membership, "claim_rejected")
    return membership


@transaction.atomic
def approve_member(*, membership: Membership, representative: Member) -> Membership:
    """A representative (or staff) confirms that someone belongs to the organisation."""
    membership = _locked(membership)
    if not can_manage(representative, membership.organisation):
        raise MembershipError(_("Only its representatives decide who belongs to an organisation."))
    if membership.role != MembershipRole.MEMBER:
        raise MembershipError(_("Representatives are verified by the JMDI team."))
    _require_pending(membership)
    _decide(membership, MembershipStatus.APPROVED, representative, "")
    _notify(membership, "membership_approved")
    return membership


def _check_removal(membership: Membership, representative: Member) -> None:
    if not can_manage(representative, membership.organisation):
        raise MembershipError(_("Only its representatives decide who belongs to an organisation."))
    if membership.member_id == representative.pk:
        raise MembershipError(_("You cannot remove yourself; ask the JMDI team."))
    if membership.role != MembershipRole.MEMBER and not representative.is_staff:
        raise MembershipError(_("Only the JMDI team removes a representative."))


@transaction.atomic
def refuse_member(
    *, membership: Membership, representative: Member, reason: str = ""
) -> Membership:
    """A representative (or staff) refuses a request to join, saying why if they wish."""
    membership = _locked(membership)
    _check_removal(membership, representative)
    _require_pending(membership)
    _decide(membership, MembershipStatus.REJECTED, representative, reason.strip())
    _notify(membership, "membership_removed")
    return membership


@transaction.atomic
def remove_member(
    *, membership: Membership, representative: Member, reason: str = ""
) -> Membership:
    """A representative (or staff) removes someone from the organisation."""
    membership = _locked(membership)
    _check_removal(membership, representative)
    if membership.status != MembershipStatus.APPROVED:
        raise MembershipError(_("This person is no longer a member of the organisation."))
    _decide(membership, MembershipStatus.REJECTED, representative, reason.strip())
    _notify(membership, "membership_removed")
    return membership
