"""Being told, by email and on the site: staff of the organisations to verify (a digest, once
the person confirmed their address), representatives of each request to join, and the
person who claimed or proposed an organisation of what became of it (profile, "My
organisations")."""

import re
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from network import services
from network.models import Member, Membership, MembershipRole, MembershipStatus
from projects.models import OrganisationKind
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    ProjectFactory,
    StaffFactory,
    verified_member,
)
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr, tr_count
from tests.network.test_accounts import link_in, signup_form, url

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.org"
QUEUE = f"{SITE}/admin/network/representativeclaim/"


@pytest.fixture(autouse=True)
def site_and_cache(settings):
    settings.SITE_URL = SITE
    settings.VERIFIERS_GROUP = "Verifiers"
    settings.OUTBOX_DIGEST_WINDOW = 300
    cache.clear()
    yield
    cache.clear()


@contextmanager
def later(seconds: float):
    """The clock moved ``seconds`` ahead, for what reads it (the outbox, the worker)."""
    real_now = timezone.now
    with mock.patch("django.utils.timezone.now", lambda: real_now() + timedelta(seconds=seconds)):
        yield


def verifiers_group(*members) -> Group:
    group, _created = Group.objects.get_or_create(name="Verifiers")
    group.user_set.add(*members)
    return group


def sent_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def confirm(client, member):
    """``member`` opens the link of their verification email."""
    address, _created = EmailAddress.objects.get_or_create(
        user=member, email=member.email, defaults={"primary": True}
    )
    key = EmailConfirmationHMAC.create(address).key
    response = client.get(url("account_confirm_email", key=key))
    assert response.status_code == 302
    assert EmailAddress.objects.get(pk=address.pk).verified


def claimant(organisation, **fields):
    """Someone who signed up claiming ``organisation`` (address not confirmed yet)."""
    member = MemberFactory(**fields)
    services.claim_organisation(member=member, organisation=organisation)
    return member


def listed_organisation(name):
    organisation = OrganisationFactory(name=name)
    ProjectFactory(partners=[organisation])
    return organisation


# --- Staff: organisations to verify ------------------------------------------------------------


def test_verifiers_hear_of_a_claim_once_the_person_confirms_their_address(client, run_tasks):
    french = StaffFactory(email="verif.fr@example.org", language="fr", is_superuser=False)
    english = StaffFactory(email="verif.en@example.org", language="en", is_superuser=False)
    verifiers_group(french, english)
    other_staff = StaffFactory(email="other.staff@example.org")  # not a verifier: a group exists
    organisation = listed_organisation("Association Migration & Développement")

    response = client.post(
        url("account_signup"),
        signup_form(client, join_as="existing", organisation=str(organisation.pk)),
    )
    assert response.status_code == 302
    run_tasks()
    (verification,) = mail.outbox  # only the verification link: staff cannot decide yet
    with later(3600):
        run_tasks()
    assert len(mail.outbox) == 1

    client.get(link_in(verification))  # the person confirms their address
    mail.outbox.clear()
    run_tasks()
    assert mail.outbox == []  # gathered for a few minutes first
    with later(301):
        run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == [english.email, french.email]
    assert not sent_to(other_staff.email)
    claim = Membership.objects.get(member__email="amina.diallo@example.org")
    (to_french,) = sent_to(french.email)
    assert to_french.subject == tr_count(
        "M4D Net: one organisation to verify", "M4D Net: %(counter)s organisations to verify", 1
    )
    assert to_french.extra_headers["Content-Language"] == "fr"
    assert tr("Hello %(name)s,") % {"name": french.name} in to_french.body
    assert "Association Migration & Développement" in to_french.body
    assert tr("Represents a listed organisation") in to_french.body
    assert "Amina Diallo (amina.diallo@example.org)" in to_french.body
    assert f"{QUEUE}{claim.pk}/change/" in to_french.body
    assert QUEUE in to_french.body
    (to_english,) = sent_to(english.email)
    assert to_english.subject == "M4D Net: one organisation to verify"
    assert "Proposes a new organisation" not in to_english.body
    assert "Represents a listed organisation" in to_english.body
    with later(3600):
        run_tasks()
    assert len(mail.outbox) == 2  # nothing twice


def test_a_proposal_is_announced_in_the_verifiers_language(client, run_tasks):
    spanish = StaffFactory(language="es", is_superuser=False)
    verifiers_group(spanish)
    client.post(
        url("account_signup"),
        signup_form(
            client,
            join_as="new",
            organisation_name="Collectif des ressortissants de Kolda",
            organisation_kind=OrganisationKind.DIASPORA,
            organisation_country="FR",
        ),
    )
    run_tasks()
    client.get(link_in(mail.outbox[0]))
    mail.outbox.clear()

    with later(301):
        run_tasks()

    (message,) = mail.outbox
    assert message.to == [spanish.email]
    assert message.extra_headers["Content-Language"] == "es"
    assert "Collectif des ressortissants de Kolda" in message.body
    assert tr("Proposes a new organisation", "es") in message.body
    assert tr("You receive this email because you verify the organisations of M4D Net.", "es") in (
        message.body
    )


def test_claims_confirmed_together_make_one_email_per_verifier(run_tasks):
    verifier = StaffFactory(is_superuser=False, language="en")
    verifiers_group(verifier)
    names = ["Kolda Diaspora", "Tambacounda Solidarité", "Mairie de Zinguinchor"]
    people = [claimant(listed_organisation(name)) for name in names]
    run_tasks()
    assert mail.outbox == []  # no address confirmed: nothing for staff

    for person in people:
        confirm(Client(), person)
    run_tasks()
    assert mail.outbox == []
    with later(301):
        run_tasks()

    (message,) = mail.outbox
    assert message.to == [verifier.email]
    assert message.subject == "M4D Net: 3 organisations to verify"
    for name in names:
        assert name in message.body
    assert "3 requests to represent an organisation are ready to decide" in message.body

    # Another one later starts another digest.
    late = claimant(listed_organisation("Commune de Kayes"))
    confirm(Client(), late)
    with later(301):
        run_tasks()
    assert len(mail.outbox) == 2
    assert "Commune de Kayes" in mail.outbox[1].body


def test_changing_a_confirmed_address_tells_staff_nothing_new(client, run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 0
    verifier = StaffFactory(is_superuser=False)
    verifiers_group(verifier)
    person = claimant(listed_organisation("Kolda Diaspora"))
    confirm(client, person)
    run_tasks()
    assert len(sent_to(verifier.email)) == 1

    new_address = EmailAddress.objects.create(user=person, email="new@example.org")
    key = EmailConfirmationHMAC.create(new_address).key
    client.get(url("account_confirm_email", key=key))
    run_tasks()

    assert len(sent_to(verifier.email)) == 1


def test_without_verifiers_staff_allowed_to_decide_are_told(run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 0
    allowed = StaffFactory(is_superuser=False)
    allowed.user_permissions.add(
        Permission.objects.get(
            codename="change_representativeclaim", content_type__app_label="network"
        )
    )
    through_group = StaffFactory(is_superuser=False)
    editors = Group.objects.create(name="Editors")
    editors.permissions.add(
        Permission.objects.get(
            codename="change_representativeclaim", content_type__app_label="network"
        )
    )
    editors.user_set.add(through_group)
    superuser = StaffFactory()
    not_allowed = StaffFactory(is_superuser=False)
    inactive = StaffFactory(is_active=False)
    verifiers_group(MemberFactory())  # a member who is not staff does not count
    person = claimant(listed_organisation("Kolda Diaspora"))

    confirm(Client(), person)
    run_tasks()

    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted([allowed.email, through_group.email, superuser.email])
    assert not_allowed.email not in told and inactive.email not in told


def test_a_claim_by_a_confirmed_member_is_announced_at_once(run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 0
    verifier = StaffFactory(is_superuser=False)
    verifiers_group(verifier)
    member = verified_member()

    services.claim_organisation(member=member, organisation=listed_organisation("Kolda Diaspora"))
    run_tasks()

    (message,) = mail.outbox
    assert "Kolda Diaspora" in message.body


# --- Representatives: requests to join ---------------------------------------------------------


def approved(member, organisation, role):
    return Membership.objects.create(
        member=member, organisation=organisation, role=role, status=MembershipStatus.APPROVED
    )


def test_representatives_hear_of_each_request_to_join_in_their_language(client, run_tasks):
    organisation = listed_organisation("Association Migration & Développement")
    spanish = verified_member(name="Rosa Representante", language="es")
    english = verified_member(name="Rita Representative", language="en")
    approved(spanish, organisation, MembershipRole.REPRESENTATIVE)
    approved(english, organisation, MembershipRole.REPRESENTATIVE)
    waiting = verified_member()
    Membership.objects.create(
        member=waiting, organisation=organisation, role=MembershipRole.REPRESENTATIVE
    )
    plain = verified_member()
    approved(plain, organisation, MembershipRole.MEMBER)
    elsewhere = verified_member()
    approved(elsewhere, listed_organisation("Kolda Diaspora"), MembershipRole.REPRESENTATIVE)
    applicant = verified_member(name="Moussa Camara", visibility="members")
    client.force_login(applicant)
    page = client.get(url("network:my_organisations"))
    data = form_values(page, "belong-form")
    data["organisation"] = str(organisation.pk)

    response = client.post(url("network:my_organisations"), data)

    assert response.status_code == 302
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([spanish.email, english.email])
    (to_spanish,) = sent_to(spanish.email)
    assert to_spanish.subject == tr("%(name)s asks to join %(organisation)s on M4D Net", "es") % {
        "name": "Moussa Camara",
        "organisation": "Association Migration & Développement",
    }
    assert f"{SITE}/es/network/organisations/{organisation.slug}/members/" in to_spanish.body
    assert f"{SITE}/es/network/members/{applicant.slug}/" in to_spanish.body
    assert tr("Hello %(name)s,", "es") % {"name": "Rosa Representante"} in to_spanish.body
    (to_english,) = sent_to(english.email)
    assert "Moussa Camara says they belong to Association Migration & Développement" in (
        to_english.body
    )
    assert f"{SITE}/en/network/organisations/{organisation.slug}/members/" in to_english.body


def test_a_request_made_again_after_a_refusal_is_announced_again(run_tasks):
    organisation = listed_organisation("Kolda Diaspora")
    representative = verified_member()
    approved(representative, organisation, MembershipRole.REPRESENTATIVE)
    applicant = verified_member(visibility="nobody")
    membership = services.request_membership(member=applicant, organisation=organisation)
    services.refuse_member(membership=membership, representative=representative, reason="Inconnu")
    run_tasks()
    mail.outbox.clear()

    services.request_membership(member=applicant, organisation=organisation)
    run_tasks()

    (message,) = sent_to(representative.email)
    assert applicant.get_absolute_url() not in message.body  # the profile is hidden
    assert f"/fr/network/organisations/{organisation.slug}/members/" in message.body


# --- The person who asked: what became of the request -------------------------------------------


@pytest.fixture
def requests_of_all_kinds(staff):
    """A member with a proposal waiting, a claim verified and a claim refused with a
    reason."""
    member = verified_member(name="Amina Diallo")
    services.propose_organisation(
        member=member,
        new=services.NewOrganisation(
            name="Collectif de Kolda", kind=OrganisationKind.DIASPORA, country="SN"
        ),
    )
    verified = services.claim_organisation(
        member=member, organisation=listed_organisation("Kolda Diaspora")
    )
    services.approve_claim(membership=verified, staff=staff)
    refused = services.claim_organisation(
        member=member, organisation=listed_organisation("Mairie de Ziguinchor")
    )
    services.reject_claim(
        membership=refused, staff=staff, reason="Aucun lien avec cette mairie n’a pu être établi."
    )
    return member


def statuses(items) -> dict[str, str]:
    return {text(item).split(" · ")[0]: text(item) for item in items}


def test_the_profile_shows_what_became_of_each_claim_and_links_my_organisations(
    client, requests_of_all_kinds
):
    member = requests_of_all_kinds
    client.force_login(member)

    page = parse(client.get(url("network:member", slug=member.slug)))

    owner = find(page, "section", "owner-note")
    assert find(owner, "a", href=url("network:my_organisations"))
    items = statuses(find_all(find(owner, "ul", "own-claims"), "li"))
    assert tr("Waiting for verification") in items["Collectif de Kolda"]
    assert tr("Verified") in items["Kolda Diaspora"]
    assert (
        tr("Refused: %(reason)s") % {"reason": "Aucun lien avec cette mairie n’a pu être établi."}
        in items["Mairie de Ziguinchor"]
    )
    # A verified organisation is linked; a proposal waiting is not listed, so not linked.
    assert find(owner, "a", href=url("organisation", slug="kolda-diaspora"))
    assert "Collectif de Kolda" not in [text(a) for a in find_all(owner, "a")]


def test_nobody_else_sees_the_requests_on_the_profile(client, requests_of_all_kinds):
    member = requests_of_all_kinds
    member.visibility = "everyone"
    member.save()

    page = client.get(url("network:member", slug=member.slug)).content.decode()

    assert "Mairie de Ziguinchor" not in page
    assert "Collectif de Kolda" not in page
    assert "own-claims" not in page


def test_my_organisations_shows_what_became_of_each_claim(client, requests_of_all_kinds):
    member = requests_of_all_kinds
    client.force_login(member)

    page = parse(client.get(url("network:my_organisations")))

    cards = {
        text(find(card, "h2")).replace(tr("Verified"), "").strip(): card
        for card in find_all(page, "li", "membership")
    }
    assert text(find(cards["Collectif de Kolda"], "strong", "status")) == tr(
        "Waiting for verification"
    )
    assert text(find(cards["Kolda Diaspora"], "strong", "status")) == tr("Verified")
    assert text(find(cards["Mairie de Ziguinchor"], "strong", "status")) == tr(
        "Refused: %(reason)s"
    ) % {"reason": "Aucun lien avec cette mairie n’a pu être établi."}


def test_my_organisations_says_a_claim_waits_for_the_address_to_be_confirmed(client):
    member = claimant(listed_organisation("Kolda Diaspora"))
    client.force_login(member)

    page = client.get(url("network:my_organisations")).content.decode()

    assert tr("Waiting for verification") in page
    assert tr("It does so once you have confirmed your email address.") in page


def test_my_organisations_queries_do_not_grow_with_the_requests(client, staff):
    member = verified_member()
    client.force_login(member)

    def add(count):
        for _ in range(count):
            for decide in ("wait", "approve", "reject"):
                claim = services.claim_organisation(
                    member=member,
                    organisation=listed_organisation(f"Org {Membership.objects.count()}"),
                )
                if decide == "approve":
                    services.approve_claim(membership=claim, staff=staff)
                elif decide == "reject":
                    services.reject_claim(membership=claim, staff=staff, reason="Non.")

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    add(1)
    few_mine, html = queries(url("network:my_organisations"))
    few_profile, _ = queries(url("network:member", slug=member.slug))
    assert html.count('class="status') == 3
    add(4)
    many_mine, html = queries(url("network:my_organisations"))
    many_profile, profile = queries(url("network:member", slug=member.slug))

    assert html.count('class="status') == 15
    assert profile.count('class="status') == 10  # the newest ten; the rest one link away
    assert many_mine == few_mine
    assert many_profile == few_profile


# --- Following one's own topics: the profile setting -------------------------------------------


def test_the_profile_form_turns_following_own_topics_off_and_the_export_says_so(client):
    member = verified_member(name="Amina Diallo", country="SN")
    client.force_login(member)
    page = client.get(url("network:edit_profile"))
    data = form_values(page, "profile-form")
    assert data.get("follow_own_topics") == "on"  # on unless turned off
    data.pop("follow_own_topics")

    response = client.post(url("network:edit_profile"), data)

    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).follow_own_topics is False
    export = client.get(url("network:export")).json()
    assert export["follow_own_topics"] is False


def test_the_subject_of_a_digest_is_one_line(run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 0
    verifiers_group(StaffFactory(is_superuser=False))
    for index in range(2):
        services.claim_organisation(
            member=verified_member(), organisation=listed_organisation(f"Organisation {index}")
        )
    run_tasks()
    (message,) = mail.outbox
    assert re.fullmatch(r"[^\n]+", message.subject)
    assert message.subject == tr_count(
        "M4D Net: one organisation to verify", "M4D Net: %(counter)s organisations to verify", 2
    )
