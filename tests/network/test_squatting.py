"""Nobody reserves an organisation's name by proposing it.

Someone may sign up, leave their address unconfirmed and "propose a new organisation" with
a real organisation's name. That proposal waits for the ICMD team like any other: it keeps
nobody else from proposing the same name (the real representative's proposal is saved
too), staff approve only a proposal whose author confirmed their address, an approval
never lists a second organisation of a name already listed (staff are told which one),
and the proposals left over are shown as such in the queue for staff to decide.

Claims, proposals, requests to join and representatives' decisions reach someone: each is
rate-limited, and past the limit the answer is 429 with nothing saved.

Concurrent requests run in threads against the real database (``concurrency.py``)."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from network import services
from network.models import Member, Membership, MembershipRole, MembershipStatus
from projects.models import Organisation, OrganisationKind
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, StaffFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr
from tests.network.concurrency import at_once, browser, meeting_before_saving

SIGNUP = "/fr/accounts/signup/"
CLAIMS = "/admin/network/representativeclaim/"
PASSWORD = "Baobab-sous-la-pluie-2031"
NAME = "Association Migration et Développement de Kayes"
NAME_TAKEN = (
    "An organisation with this name is already listed: “%(listed)s”. Reject the proposal "
    "of “%(proposed)s”, or ask the person to claim the listed organisation."
)
EMAIL_NOT_CONFIRMED = (
    "%(email)s has not confirmed their email address yet: a representative is approved once "
    "they have."
)


# --- helpers -------------------------------------------------------------------------------


def signup_form(client: Client, email: str, **values) -> dict:
    """The sign-up form as the page gives it, filled in to propose ``NAME``."""
    data = form_values(client.get(SIGNUP), "signup-form")
    data.update(
        email=email,
        password1=PASSWORD,
        password2=PASSWORD,
        name=email.split("@")[0].title(),
        country="ML",
        join_as="new",
        organisation_name=NAME,
        organisation_kind=OrganisationKind.DIASPORA,
        organisation_country="FR",
        organisation_website="https://amdk.example.org",
        organisation_description="Migrants de Kayes en France.",
        accept_terms="on",
    )
    data.update(values)
    return data


def propose(email: str, name: str = NAME, *, confirmed: bool = True) -> Membership:
    """``email`` proposes ``name`` on signing up, as the form does."""
    member = MemberFactory(email=email)
    if confirmed:
        verify(member)
    return services.propose_organisation(
        member=member,
        new=services.NewOrganisation(name=name, kind=OrganisationKind.DIASPORA, country="FR"),
    )


def approve(claims) -> dict:
    return {"action": "approve_claims", "_selected_action": [claim.pk for claim in claims]}


def admin_messages(client: Client) -> list[str]:
    """The messages the admin shows on the next page (the claims' list)."""
    page = parse(client.get(CLAIMS + "?status=all"))
    found = find_all(page, "ul", "messagelist")
    return [text(item) for messages in found for item in find_all(messages, "li")]


def left_as_it_was(reason: str) -> str:
    with translation.override("fr"):
        return translation.ngettext(
            "%(count)d request left as it was: %(reason)s",
            "%(count)d requests left as they were: %(reason)s",
            1,
        ) % {"count": 1, "reason": reason}


def queue_rows(client: Client, query: str = "") -> dict[str, dict[str, str]]:
    """The claims' list as staff read it: for each person's address, the cells of its row
    by column (``before_deciding``, ``status``…)."""
    page = parse(client.get(CLAIMS + query))
    rows = {}
    for row in find_all(page, "tr"):
        cells = {
            cls.removeprefix("field-"): text(cell)
            for cell in row.children
            if not isinstance(cell, str) and cell.tag in {"td", "th"}
            for cls in cell.attrs.get("class", "").split()
            if cls.startswith("field-")
        }
        if "member_email" in cells:
            rows[cells["member_email"]] = cells
    return rows


def listed(organisation: Organisation) -> bool:
    return Organisation.objects.listed().filter(pk=organisation.pk).exists()


# --- Proposing: a name is not reserved -----------------------------------------------------


def test_an_unconfirmed_squatters_proposal_does_not_block_the_real_representative(
    client, db, run_tasks
):
    squatter = client.post(SIGNUP, signup_form(client, "squatter@example.org"))
    assert squatter.status_code == 302
    real = Client()
    # The same name, written otherwise.
    data = signup_form(
        real,
        "presidente@amdk.example.org",
        organisation_name="association migration et developpement de KAYES",
        organisation_description="L'association des migrants de Kayes, depuis 1986.",
    )

    response = real.post(SIGNUP, data)

    assert response.status_code == 302, text(find(parse(response), "form", id="signup-form"))
    proposals = Organisation.objects.filter(name__unaccent__iexact=NAME).order_by("pk")
    assert len(proposals) == 2
    assert not any(listed(proposal) for proposal in proposals)
    squatters, reals = proposals
    assert reals.description == "L'association des migrants de Kayes, depuis 1986."
    claim = Membership.objects.get(organisation=reals)
    assert claim.member.email == "presidente@amdk.example.org"
    assert (claim.role, claim.status) == (MembershipRole.REPRESENTATIVE, MembershipStatus.PENDING)
    # Neither holds the name's own address: whichever staff approve gets it.
    assert "association-migration-et-developpement-de-kayes" not in {
        proposal.slug for proposal in proposals
    }
    run_tasks()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "presidente@amdk.example.org",
        "squatter@example.org",
    ]


# --- Staff decide ---------------------------------------------------------------------------


def test_staff_approve_the_real_proposal_and_the_squatters_stays_pending_marked(
    staff_client, db, run_tasks
):
    squatters = propose("squatter@example.org", confirmed=False)
    other = propose("someone@example.org", NAME.upper())
    real = propose("presidente@amdk.example.org", "Association Migration et Developpement de Kayes")
    # Before any approval, the only obstacle shown is the unconfirmed address.
    rows = queue_rows(staff_client)
    assert rows["squatter@example.org"]["before_deciding"] == tr("Email address not confirmed")
    assert rows["presidente@amdk.example.org"]["before_deciding"] == tr("Ready to decide")

    response = staff_client.post(CLAIMS, approve([real]))
    run_tasks()

    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=real.organisation_id)
    assert organisation.verified and listed(organisation)
    assert organisation.slug == "association-migration-et-developpement-de-kayes"
    assert Client().get(organisation.get_absolute_url()).status_code == 200
    (message,) = mail.outbox
    assert message.to == ["presidente@amdk.example.org"]
    # The other proposals are neither merged nor decided: they wait, marked for staff.
    for proposal in (squatters, other):
        proposal.refresh_from_db()
        assert proposal.status == MembershipStatus.PENDING
        assert proposal.organisation.verified is False and not listed(proposal.organisation)
        assert proposal.organisation_id != organisation.pk
    namesake = tr("An organisation with this name is now listed: “%(name)s”") % {
        "name": organisation.name
    }
    rows = queue_rows(staff_client)
    assert set(rows) == {"squatter@example.org", "someone@example.org"}
    assert rows["someone@example.org"]["before_deciding"] == namesake
    assert rows["squatter@example.org"]["before_deciding"] == (
        f"{tr('Email address not confirmed')}; {namesake}"
    )
    assert set(queue_rows(staff_client, "?readiness=namesake")) == set(rows)
    assert set(queue_rows(staff_client, "?readiness=ready")) == set()
    assert set(queue_rows(staff_client, "?readiness=email")) == {"squatter@example.org"}


def test_approving_a_proposal_whose_name_is_now_listed_is_refused_with_the_message(
    staff_client, db, run_tasks
):
    proposal = propose("awa@example.org", "Fondation Sahel Éducation")
    # Meanwhile the catalogue lists it (an imported project's partner), under its English
    # name, in capitals and without its accent.
    catalogue = OrganisationFactory(
        name="Fondation pour l'éducation au Sahel", name_en="FONDATION SAHEL EDUCATION"
    )
    ProjectFactory(partners=[catalogue])

    response = staff_client.post(CLAIMS, approve([proposal]))
    run_tasks()

    assert response.status_code == 302
    reason = tr(NAME_TAKEN) % {"listed": catalogue.name, "proposed": "Fondation Sahel Éducation"}
    assert left_as_it_was(reason) in admin_messages(staff_client)
    proposal.refresh_from_db()
    assert proposal.status == MembershipStatus.PENDING
    assert proposal.organisation.verified is False and not listed(proposal.organisation)
    assert mail.outbox == []
    # The service says the same to whoever calls it, in the language being used.
    with pytest.raises(services.MembershipError) as refused:
        services.approve_claim(membership=proposal, staff=StaffFactory())
    assert str(refused.value) == tr(NAME_TAKEN) % {
        "listed": catalogue.name,
        "proposed": "Fondation Sahel Éducation",
    }


def test_approving_a_proposal_whose_author_has_not_confirmed_their_address_is_refused(
    staff_client, db, run_tasks
):
    proposal = propose("squatter@example.org", confirmed=False)

    response = staff_client.post(CLAIMS, approve([proposal]))
    run_tasks()

    assert response.status_code == 302
    reason = tr(EMAIL_NOT_CONFIRMED) % {"email": "squatter@example.org"}
    assert left_as_it_was(reason) in admin_messages(staff_client)
    proposal.refresh_from_db()
    assert proposal.status == MembershipStatus.PENDING
    assert proposal.organisation.verified is False
    assert mail.outbox == []
    with pytest.raises(services.MembershipError):
        services.approve_claim(membership=proposal, staff=StaffFactory())
    # Once the address is confirmed, staff may approve it.
    EmailAddress.objects.create(
        user=proposal.member, email=proposal.member.email, verified=True, primary=True
    )
    services.approve_claim(membership=proposal, staff=StaffFactory())
    proposal.organisation.refresh_from_db()
    assert listed(proposal.organisation)


@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_two_proposals_of_one_name_at_once_list_one(run_tasks):
    first = propose("awa@example.org")
    second = propose("moussa@example.org", NAME.lower())
    staff = [browser(StaffFactory()), browser(StaffFactory())]

    with meeting_before_saving(Membership, created=False):
        responses = at_once(
            (staff[0], CLAIMS, approve([first])), (staff[1], CLAIMS, approve([second]))
        )

    assert [response.status_code for response in responses] == [302, 302]
    assert Organisation.objects.listed().filter(name__unaccent__iexact=NAME).count() == 1
    statuses = sorted(Membership.objects.values_list("status", flat=True))
    assert statuses == [MembershipStatus.APPROVED, MembershipStatus.PENDING]
    run_tasks()
    assert len(mail.outbox) == 1


def test_staff_may_rename_a_listed_organisation_to_the_name_of_a_proposal(staff_client, db):
    propose("squatter@example.org", confirmed=False)
    organisation = OrganisationFactory(name="AMDK", slug="amdk", verified=True)
    url = f"/fr/network/organisations/{organisation.slug}/edit/"
    data = {**form_values(staff_client.get(url), "organisation-form"), "name": NAME}

    response = staff_client.post(url, data)

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == NAME


# --- Rate limits ----------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    """Each action's limit, lowered to two so that a test reaches it quickly."""
    actions = ("organisation_request_signup", "organisation_request", "membership_decision")
    assert all(action in settings.ACCOUNT_RATE_LIMITS for action in actions)
    lowered = dict(settings.ACCOUNT_RATE_LIMITS)
    for action in actions:
        per = lowered[action].split("/")[-1]  # ip or user, as configured
        lowered[action] = f"2/h/{per}"
    settings.ACCOUNT_RATE_LIMITS = lowered
    cache.clear()
    yield
    cache.clear()


def test_the_actions_are_limited_per_address_at_sign_up_and_per_member_otherwise():
    per = {
        action: {rate.split("/")[-1] for rate in settings.ACCOUNT_RATE_LIMITS[action].split(",")}
        for action in ("organisation_request_signup", "organisation_request", "membership_decision")
    }
    assert per == {
        "organisation_request_signup": {"ip"},
        "organisation_request": {"user"},
        "membership_decision": {"user"},
    }


def test_claims_and_proposals_at_sign_up_past_the_limit_answer_429_and_save_nothing(
    client, db, limits, run_tasks
):
    catalogue = OrganisationFactory(name="Coopérative de Thiès", verified=True)
    for email, values in [
        ("one@example.org", {"organisation_name": "Kolda Diaspora"}),
        ("two@example.org", {"join_as": "existing", "organisation": str(catalogue.pk)}),
    ]:
        assert client.post(SIGNUP, signup_form(Client(), email, **values)).status_code == 302
    run_tasks()
    mail.outbox.clear()
    organisations, memberships = Organisation.objects.count(), Membership.objects.count()

    response = client.post(SIGNUP, signup_form(Client(), "three@example.org"))

    assert response.status_code == 429
    form = find(parse(response), "form", id="signup-form")
    assert tr(
        "Many organisations were claimed or proposed from your connection in a short while: "
        "nothing was saved. Please try again later, or join as an individual for now."
    ) in text(form)
    assert find(form, "input", name="organisation_name").attrs["value"] == NAME
    assert not Member.objects.filter(email="three@example.org").exists()
    assert (Organisation.objects.count(), Membership.objects.count()) == (
        organisations,
        memberships,
    )
    run_tasks()
    assert mail.outbox == []
    # Joining as an individual is not held back.
    alone = signup_form(Client(), "four@example.org", join_as="individual")
    assert client.post(SIGNUP, alone).status_code == 302


def test_requests_to_join_past_the_limit_answer_429_and_save_nothing(client, db, limits):
    organisations = [OrganisationFactory(verified=True) for _ in range(3)]
    person = verify(MemberFactory())
    client.force_login(person)
    url = "/fr/network/me/organisations/"

    def ask(organisation):
        data = form_values(client.get(url), "belong-form")
        return client.post(url, {**data, "organisation": str(organisation.pk)})

    assert [ask(organisation).status_code for organisation in organisations[:2]] == [302, 302]
    response = ask(organisations[2])

    assert response.status_code == 429
    assert tr(
        "You have asked to join many organisations in a short while: this request was not "
        "sent. Please try again later."
    ) in text(find(parse(response), "form", id="belong-form"))
    assert not Membership.objects.filter(member=person, organisation=organisations[2]).exists()
    assert Membership.objects.filter(member=person).count() == 2


def test_representatives_decisions_past_the_limit_answer_429_and_change_nothing(
    client, db, limits, run_tasks
):
    organisation = OrganisationFactory(slug="amk", verified=True)
    representative = verify(MemberFactory())
    services.approve_claim(
        membership=services.claim_organisation(member=representative, organisation=organisation),
        staff=StaffFactory(),
    )
    requests = [
        services.request_membership(member=verify(MemberFactory()), organisation=organisation)
        for _ in range(3)
    ]
    run_tasks()
    mail.outbox.clear()
    client.force_login(representative)
    url = "/fr/network/organisations/amk/members/"

    def decide(membership):
        return client.post(url, form_values(client.get(url), f"approve-{membership.pk}"))

    assert [decide(membership).status_code for membership in requests[:2]] == [302, 302]
    response = decide(requests[2])

    assert response.status_code == 429
    assert tr(
        "You have made many decisions in a short while: this one was not made. Please try "
        "again later."
    ) in text(find(parse(response), "ul", "messages"))
    requests[2].refresh_from_db()
    assert requests[2].status == MembershipStatus.PENDING
    run_tasks()
    assert len(mail.outbox) == 2
