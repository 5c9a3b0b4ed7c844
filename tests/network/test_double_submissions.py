"""A form of M4D Net submitted twice creates its result once, and the second submission
lands where the first did: a double click on "Join M4D Net" (with or without a new
organisation), two tabs signing up the same address, two newcomers proposing the same
organisation (each has their own proposal), "I belong to this organisation" and a message
to a member sent twice.

Concurrent requests run in threads against the real database (``concurrency.py``);
emails are read once the worker sent them (``run_tasks``)."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from common.models import OutgoingEmail
from network.models import Member, Membership, MembershipRole, MembershipStatus, Visibility
from projects.models import Organisation, OrganisationKind
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr
from tests.network.concurrency import at_once, browser, meeting_before_saving

SIGNUP = "/fr/accounts/signup/"
VERIFY = "/fr/accounts/confirm-email/"
PASSWORD = "Baobab-sous-la-pluie-2031"


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


def signup_form(client: Client, **values) -> dict:
    """The sign-up form as the page gives it (with its submission token), filled in."""
    data = form_values(client.get(SIGNUP), "signup-form")
    data.update(
        email="amina.diallo@example.org",
        password1=PASSWORD,
        password2=PASSWORD,
        name="Amina Diallo",
        country="SN",
        join_as="individual",
        accept_terms="on",
    )
    data.update(values)
    return data


NEW_ORGANISATION = {
    "join_as": "new",
    "organisation_name": "Diaspora Solidaire de Kolda",
    "organisation_kind": OrganisationKind.DIASPORA,
    "organisation_country": "FR",
}


def field_errors(response, field) -> list[str]:
    errors = find_all(parse(response), "ul", "errorlist", id=f"id_{field}_error")
    return [text(item) for found in errors for item in find_all(found, "li")]


def verification_links(messages) -> list[str]:
    return [
        link
        for message in messages
        for link in re.findall(r"https?://\S+/accounts/confirm-email/\S+", message.body)
    ]


# --- Sign-up ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_join_creates_one_account_and_one_organisation(run_tasks):
    first = browser()
    data = signup_form(first, **NEW_ORGANISATION)
    second = browser(like=first)  # the same page, clicked twice

    with meeting_before_saving(Member, created=True):
        responses = at_once((first, SIGNUP, data), (second, SIGNUP, data))

    assert [response.status_code for response in responses] == [302, 302]
    assert {response["Location"] for response in responses} == {VERIFY}
    member = Member.objects.get()
    organisation = Organisation.objects.get(name="Diaspora Solidaire de Kolda")
    claim = Membership.objects.get()
    assert (claim.member, claim.organisation, claim.role) == (
        member,
        organisation,
        MembershipRole.REPRESENTATIVE,
    )
    # The verification email was written with the account, and is sent once.
    assert OutgoingEmail.objects.filter(to=member.email).count() == 1
    run_tasks()
    (message,) = mail.outbox
    assert message.to == [member.email]
    assert tr("Please Confirm Your Email Address") in message.subject
    assert len(verification_links([message])) == 1
    # Both answers are the page a person expects: "verify your email address".
    page = first.get(VERIFY)
    assert text(find(parse(page), "h1")) == tr("Verify Your Email Address")


def test_join_submitted_twice_in_a_row_lands_on_the_first_answer(client, run_tasks):
    data = signup_form(client, **NEW_ORGANISATION)

    first = client.post(SIGNUP, data)
    again = client.post(SIGNUP, data)  # a reload of the answer, or a late second click

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == VERIFY
    assert Member.objects.count() == 1
    assert Organisation.objects.filter(name="Diaspora Solidaire de Kolda").count() == 1
    assert Membership.objects.count() == 1
    run_tasks()
    # One email: the verification link (no "you already have an account" for oneself).
    (message,) = mail.outbox
    assert tr("Please Confirm Your Email Address") in message.subject


@pytest.mark.django_db(transaction=True)
def test_two_tabs_signing_up_one_address_at_once_get_allauths_answer(run_tasks):
    """Two forms (two tokens) for one address: the address's unique constraint decides;
    the second is answered as a sign-up with a known address is, not with an error."""
    first_tab = browser()
    second_tab = browser(like=first_tab)
    first_data = signup_form(first_tab)
    second_data = signup_form(second_tab)

    with meeting_before_saving(Member, created=True):
        responses = at_once((first_tab, SIGNUP, first_data), (second_tab, SIGNUP, second_data))

    assert [response.status_code for response in responses] == [302, 302]
    assert {response["Location"] for response in responses} == {VERIFY}
    member = Member.objects.get()
    assert member.emailaddress_set.count() == 1
    run_tasks()
    # The account's verification link. (allauth tells an address that already has an
    # account so by email, unless it was just sent a link: the limit of one per address
    # every three minutes spares the person a second email here.)
    (message,) = mail.outbox
    assert message.to == [member.email]
    assert len(verification_links([message])) == 1


@pytest.mark.django_db(transaction=True)
def test_two_newcomers_proposing_one_organisation_at_once_have_a_proposal_each(run_tasks):
    """A proposal reserves no name: both are saved, each its own row waiting for staff
    (who decide between them), with an address of its own."""
    first, second = browser(), browser()
    first_data = signup_form(first, email="awa@example.org", **NEW_ORGANISATION)
    # The same organisation, written otherwise.
    second_data = signup_form(
        second,
        email="moussa@example.org",
        name="Moussa Traoré",
        **{**NEW_ORGANISATION, "organisation_name": "DIASPORA SOLIDAIRE DE KOLDA"},
    )

    with meeting_before_saving(Member, created=True):
        responses = at_once((first, SIGNUP, first_data), (second, SIGNUP, second_data))

    assert [response.status_code for response in responses] == [302, 302]
    proposals = Organisation.objects.filter(name__iexact="Diaspora Solidaire de Kolda")
    assert proposals.count() == 2
    assert not proposals.filter(verified=True).exists()
    assert len({organisation.slug for organisation in proposals}) == 2
    claims = Membership.objects.filter(organisation__in=proposals)
    assert sorted(claim.member.email for claim in claims) == [
        "awa@example.org",
        "moussa@example.org",
    ]
    assert {claim.status for claim in claims} == {MembershipStatus.PENDING}
    run_tasks()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "awa@example.org",
        "moussa@example.org",
    ]


# --- "I belong to this organisation" ---------------------------------------------------------


def listed_organisation() -> Organisation:
    organisation = OrganisationFactory(name="Association des migrants de Kayes", slug="amk")
    ProjectFactory(partners=[organisation])
    return organisation


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_i_belong_sends_one_request():
    organisation = listed_organisation()
    person = verify(MemberFactory(name="Moussa Diallo"))
    first = browser(person)
    page = first.get(organisation.get_absolute_url())
    data = form_values(page, "belong")
    action = find(parse(page), "form", id="belong").attrs["action"]

    with meeting_before_saving(Membership, created=True):
        responses = at_once((first, action, data), (browser(like=first), action, data))

    assert [response.status_code for response in responses] == [302, 302]
    assert {response["Location"] for response in responses} == {organisation.get_absolute_url()}
    membership = Membership.objects.get(member=person)
    assert (membership.organisation, membership.status) == (
        organisation,
        MembershipStatus.PENDING,
    )
    page = first.get(organisation.get_absolute_url())
    assert tr("Your request to join this organisation is waiting for an answer.") in text(
        parse(page)
    )


def test_i_belong_sent_twice_in_a_row_lands_on_the_first_answer(client):
    organisation = listed_organisation()
    person = verify(MemberFactory())
    client.force_login(person)
    data = form_values(client.get("/fr/network/me/organisations/"), "belong-form")
    data["organisation"] = str(organisation.pk)

    first = client.post("/fr/network/me/organisations/", data)
    again = client.post("/fr/network/me/organisations/", data)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == "/fr/network/me/organisations/"
    assert Membership.objects.filter(member=person).count() == 1
    page = client.get(again["Location"])
    assert tr("Your request is sent: a representative of %(name)s will answer it.") % {
        "name": organisation.name
    } in text(find(parse(page), "ul", "messages"))


# --- A message to a member ---------------------------------------------------------------------


def test_a_message_sent_twice_reaches_the_member_once(client, run_tasks):
    recipient = verify(MemberFactory(name="Lucía Gómez", visibility=Visibility.EVERYONE))
    sender = verify(MemberFactory(name="Awa Diop", visibility=Visibility.EVERYONE))
    client.force_login(sender)
    page = client.get(recipient.get_absolute_url())
    data = form_values(page, "contact-form")
    data.update(subject="Collaboration", message="Bonjour, travaillons ensemble.")
    action = find(parse(page), "form", id="contact-form").attrs["action"]

    first = client.post(action, data)
    again = client.post(action, data)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == recipient.get_absolute_url()
    run_tasks()
    (message,) = mail.outbox
    assert message.to == [recipient.email]
    # Another message (a new form) is another email.
    data = form_values(client.get(recipient.get_absolute_url()), "contact-form")
    data.update(subject="Encore", message="Une autre idée.")
    assert client.post(action, data).status_code == 302
    run_tasks()
    assert len(mail.outbox) == 2
