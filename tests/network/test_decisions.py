"""A request to represent or to join an organisation is decided once: the services lock it,
check that it is still waiting and refuse otherwise, with a reason the person reads (a
message in the admin, a message and a 4xx on the members page). Two people deciding the
same request at the same instant: one decision, one email, and the other is told.

Concurrent requests run in threads against the real database (``concurrency.py``)."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from common.models import OutgoingEmail
from network import services
from network.models import (
    Member,
    Membership,
    MembershipRole,
    MembershipStatus,
    RepresentativeClaim,
)
from projects.models import Organisation
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, StaffFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr
from tests.network.concurrency import at_once, browser, meeting_before_saving

CLAIMS = "/admin/network/representativeclaim/"
ALREADY_DECIDED = "This request was already decided."


def listed_organisation(**fields) -> Organisation:
    organisation = OrganisationFactory(**fields)
    ProjectFactory(partners=[organisation])
    return organisation


def admin_messages(client: Client) -> list[str]:
    """The messages the admin shows on the next page (the claims' list)."""
    page = parse(client.get(CLAIMS + "?status=all"))
    found = find_all(page, "ul", "messagelist")
    return [text(item) for messages in found for item in find_all(messages, "li")]


def tr_plural(singular: str, plural: str, count: int, **values) -> str:
    with translation.override("fr"):
        return translation.ngettext(singular, plural, count) % {"count": count, **values}


def left_as_it_was(reason: str, count: int = 1) -> str:
    return tr_plural(
        "%(count)d request left as it was: %(reason)s",
        "%(count)d requests left as they were: %(reason)s",
        count,
        reason=tr(reason),
    )


def approve(claim) -> dict:
    return {"action": "approve_claims", "_selected_action": [claim.pk], "index": 0}


def reject_form(client: Client, claim) -> dict:
    """The reject action's second page, filled in with a reason."""
    page = client.post(CLAIMS, {"action": "reject_claims", "_selected_action": [claim.pk]})
    return {**form_values(page, "reject-form"), "reason": "Nous n'avons pas pu vous joindre."}


# --- Two staff, one claim ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_decision", ["approve", "reject"])
def test_two_staff_deciding_one_claim_at_once_make_one_decision(run_tasks, second_decision):
    organisation = listed_organisation(name="Fondation Sahel", slug="sahel")
    claimant = verify(MemberFactory(name="Awa Diop", email="awa@example.org"))
    claim = services.claim_organisation(member=claimant, organisation=organisation)
    first, second = browser(StaffFactory()), browser(StaffFactory())
    first_data = approve(claim)
    second_data = approve(claim) if second_decision == "approve" else reject_form(second, claim)

    with meeting_before_saving(Membership, created=False):
        responses = at_once((first, CLAIMS, first_data), (second, CLAIMS, second_data))

    assert [response.status_code for response in responses] == [302, 302]
    claim.refresh_from_db()
    assert claim.status in {MembershipStatus.APPROVED, MembershipStatus.REJECTED}
    # One decision, told once.
    run_tasks()
    (email,) = mail.outbox
    assert email.to == ["awa@example.org"]
    # The one who came second is told why nothing happened.
    told = [admin_messages(first), admin_messages(second)]
    refused = [messages for messages in told if left_as_it_was(ALREADY_DECIDED) in messages]
    assert len(refused) == 1


def test_a_claim_already_decided_is_left_as_it_was_with_the_reason(staff_client, run_tasks):
    organisation = listed_organisation()
    claim = services.claim_organisation(member=verify(MemberFactory()), organisation=organisation)
    reject = reject_form(staff_client, claim)  # the reason is asked first…
    assert staff_client.post(CLAIMS, approve(claim)).status_code == 302  # …meanwhile, approved
    run_tasks()
    mail.outbox.clear()

    again = staff_client.post(CLAIMS, approve(claim))
    assert again.status_code == 302
    assert left_as_it_was(ALREADY_DECIDED) in admin_messages(staff_client)
    rejected = staff_client.post(CLAIMS, reject)
    assert rejected.status_code == 302
    assert left_as_it_was(ALREADY_DECIDED) in admin_messages(staff_client)

    claim.refresh_from_db()
    assert claim.status == MembershipStatus.APPROVED
    run_tasks()
    assert mail.outbox == []


def test_several_claims_the_waiting_ones_are_decided_the_others_told(staff_client, run_tasks):
    waiting = [
        services.claim_organisation(member=verify(MemberFactory()), organisation=organisation)
        for organisation in (listed_organisation(), listed_organisation())
    ]
    decided = services.claim_organisation(
        member=verify(MemberFactory()), organisation=listed_organisation()
    )
    services.approve_claim(membership=decided, staff=StaffFactory())
    run_tasks()
    mail.outbox.clear()

    response = staff_client.post(
        CLAIMS + "?status=all",
        {
            "action": "approve_claims",
            "_selected_action": [claim.pk for claim in [*waiting, decided]],
            "index": 0,
        },
    )

    assert response.status_code == 302
    messages = admin_messages(staff_client)
    assert left_as_it_was(ALREADY_DECIDED) in messages
    assert (
        tr_plural(
            "%(count)d request approved; the person is told by email.",
            "%(count)d requests approved; each person is told by email.",
            2,
        )
        in messages
    )
    run_tasks()
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        claim.member.email for claim in waiting
    )


# --- Two representatives, one request to join ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_representatives_deciding_one_request_at_once_make_one_decision(run_tasks):
    organisation = listed_organisation(name="Coopérative de Thiès", slug="thies")
    representatives = []
    for name in ("Awa Representative", "Bakary Representative"):
        representative = verify(MemberFactory(name=name))
        Membership.objects.create(
            member=representative,
            organisation=organisation,
            role=MembershipRole.REPRESENTATIVE,
            status=MembershipStatus.APPROVED,
        )
        representatives.append(representative)
    person = verify(MemberFactory(name="Moussa Diallo", email="moussa@example.org"))
    membership = services.request_membership(member=person, organisation=organisation)
    url = f"/fr/network/organisations/{organisation.slug}/members/"
    first, second = (browser(representative) for representative in representatives)
    approve_data = form_values(first.get(url), f"approve-{membership.pk}")
    refuse_data = form_values(second.get(url), f"refuse-{membership.pk}")

    with meeting_before_saving(Membership, created=False):
        responses = at_once((first, url, approve_data), (second, url, refuse_data))

    assert sorted(response.status_code for response in responses) == [302, 400]
    refused = next(response for response in responses if response.status_code == 400)
    assert tr(ALREADY_DECIDED) in text(find(parse(refused), "ul", "messages"))
    membership.refresh_from_db()
    assert membership.status in {MembershipStatus.APPROVED, MembershipStatus.REJECTED}
    run_tasks()
    # One decision told (the representatives were told of the request itself).
    (email,) = [message for message in mail.outbox if message.to == ["moussa@example.org"]]


# --- The services decide -----------------------------------------------------------------------


@pytest.fixture
def representative(db):
    organisation = listed_organisation()
    rep = verify(MemberFactory())
    Membership.objects.create(
        member=rep,
        organisation=organisation,
        role=MembershipRole.REPRESENTATIVE,
        status=MembershipStatus.APPROVED,
    )
    return rep


def test_only_a_waiting_request_is_decided_by_the_services(representative):
    organisation = representative.memberships.get().organisation
    membership = services.request_membership(
        member=verify(MemberFactory()), organisation=organisation
    )
    services.approve_member(membership=membership, representative=representative)
    claim = services.claim_organisation(member=verify(MemberFactory()), organisation=organisation)
    services.reject_claim(membership=claim, staff=StaffFactory(), reason="Inconnu.")
    emails = OutgoingEmail.objects.count()

    refusals = [
        lambda: services.approve_member(membership=membership, representative=representative),
        lambda: services.approve_claim(membership=claim, staff=StaffFactory()),
        lambda: services.reject_claim(membership=claim, staff=StaffFactory(), reason="Encore."),
    ]
    for refused in refusals:
        with pytest.raises(services.MembershipError) as error:
            refused()
        assert str(error.value) == tr(ALREADY_DECIDED)
    # A member removed once cannot be removed again.
    services.remove_member(membership=membership, representative=representative)
    with pytest.raises(services.MembershipError):
        services.remove_member(membership=membership, representative=representative)

    membership.refresh_from_db()
    claim.refresh_from_db()
    assert membership.status == claim.status == MembershipStatus.REJECTED
    assert claim.reason == "Inconnu."
    assert OutgoingEmail.objects.count() == emails + 1  # the removal only


def test_only_staff_verify_a_representative(representative):
    organisation = listed_organisation()
    claim = services.claim_organisation(member=verify(MemberFactory()), organisation=organisation)

    for decide in (
        lambda: services.approve_claim(membership=claim, staff=representative),
        lambda: services.reject_claim(membership=claim, staff=representative, reason="Non."),
    ):
        with pytest.raises(services.MembershipError) as error:
            decide()
        assert str(error.value) == tr("Representatives are verified by the JMDI team.")

    claim.refresh_from_db()
    organisation.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING and not organisation.verified
    assert not OutgoingEmail.objects.exists()


def test_the_decision_email_is_written_with_the_decision(representative, settings):
    """In the decision's transaction (nothing after the commit can lose it), in the
    member's language, with a link to the site."""
    settings.SITE_URL = "https://portal.example.org"
    organisation = listed_organisation(slug="kolda")
    claim = services.claim_organisation(
        member=verify(MemberFactory(language="es")), organisation=organisation
    )

    services.approve_claim(membership=claim, staff=StaffFactory())

    (email,) = OutgoingEmail.objects.all()
    assert (email.to, email.language) == (claim.member.email, "es")
    assert "https://portal.example.org/es/organisations/kolda/" in email.body


# --- The admin's forms: constraints in words ------------------------------------------------


def member_form(client, url, **values) -> dict:
    page = client.get(url)
    assert page.status_code == 200
    return {**form_values(page, "member_form"), **values}


def test_adding_a_member_whose_address_is_taken_in_other_capitals_is_a_form_error(staff_client):
    MemberFactory(email="ana@example.org")
    url = "/admin/network/member/add/"
    data = member_form(
        staff_client,
        url,
        email="Ana@Example.ORG",
        name="Ana",
        password1="Tres-largo-y-seguro-2024",
        password2="Tres-largo-y-seguro-2024",
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    page = parse(response)
    errors = find(find(page, "div", "field-email"), "ul", "errorlist")
    assert text(errors)
    assert "member_email_unique_ci" not in response.content.decode()
    assert Member.objects.filter(email__iexact="ana@example.org").count() == 1


def test_changing_a_members_address_to_one_taken_is_a_form_error(staff_client):
    MemberFactory(email="ana@example.org")
    other = MemberFactory(email="other@example.org")
    url = f"/admin/network/member/{other.pk}/change/"
    data = member_form(staff_client, url, email=" ANA@example.org ")

    response = staff_client.post(url, data)

    assert response.status_code == 200
    errors = find(find(parse(response), "div", "field-email"), "ul", "errorlist")
    assert text(errors)
    assert "member_email_unique_ci" not in response.content.decode()
    other.refresh_from_db()
    assert other.email == "other@example.org"


def test_after_a_refused_claim_i_belong_is_a_request_to_the_representatives(representative):
    organisation = representative.memberships.get().organisation
    person = verify(MemberFactory())
    claim = services.claim_organisation(member=person, organisation=organisation)
    services.reject_claim(membership=claim, staff=StaffFactory(), reason="Pas un représentant.")

    again = services.request_membership(member=person, organisation=organisation)

    assert again.pk == claim.pk
    assert (again.role, again.status, again.reason) == (
        MembershipRole.MEMBER,
        MembershipStatus.PENDING,
        "",
    )
    # The representatives decide it; it is not back in the staff's queue.
    services.approve_member(membership=again, representative=representative)
    assert not RepresentativeClaim.objects.filter(
        member=person, role=MembershipRole.REPRESENTATIVE
    ).exists()
