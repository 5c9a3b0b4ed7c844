"""Organisations in M4D Net: claiming one, staff verification, representatives editing it
and deciding who belongs to it; each view for each kind of actor.

Emails are written to the outbox with the decision and sent by the worker once it commits:
the flows run it (``run_tasks()``) and read ``mail.outbox``.
"""

import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from network import services
from network.models import (
    Member,
    Membership,
    MembershipRole,
    MembershipStatus,
    RepresentativeClaim,
    Visibility,
)
from projects.models import Organisation, OrganisationKind
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, StaffFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr, tr_count

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PASSWORD = "correct horse battery staple"
CLAIMS = "/admin/network/representativeclaim/"


# --- helpers -------------------------------------------------------------------------------


def client_for(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def links_in(email) -> list[str]:
    return re.findall(r"https?://\S+", email.body)


def path_of(url: str) -> str:
    return urlsplit(url).path


def member_names(response) -> list[str]:
    return [
        text(find(li, "a"))
        for li in find_all(find(parse(response), "ul", "members"), "li")
        if find_all(li, "a")
    ]


def representative_of(organisation: Organisation, **member_fields) -> Member:
    """A verified member whose claim on ``organisation`` staff approved."""
    rep = verify(MemberFactory(**member_fields))
    claim = services.claim_organisation(member=rep, organisation=organisation)
    services.approve_claim(membership=claim, staff=StaffFactory())
    organisation.refresh_from_db()
    return rep


@pytest.fixture
def world(db, run_tasks):
    """A catalogue organisation (partner of a published project) with its representative,
    another organisation with its own, and one person of each kind of actor. The emails
    of the set-up (the representatives' approvals) are sent and left out of ``mail.outbox``."""
    organisation = OrganisationFactory(name="Association des migrants de Kayes", slug="amk")
    other = OrganisationFactory(name="Coopérative de Thiès", slug="thies")
    ProjectFactory(slug="kayes", partners=[organisation, other])
    world = SimpleNamespace(
        organisation=organisation,
        other=other,
        rep=representative_of(organisation, name="Awa Representative"),
        other_rep=representative_of(other, name="Other Representative"),
        unverified=MemberFactory(name="Unverified Person"),
        member=verify(MemberFactory(name="Verified Person", visibility=Visibility.EVERYONE)),
        staff=StaffFactory(name="Staff Editor"),
    )
    run_tasks()
    mail.outbox.clear()
    return world


ACTORS = ["anonymous", "unverified", "member", "other_rep", "rep", "staff"]


def actor(world, name: str) -> Member | None:
    return None if name == "anonymous" else getattr(world, name)


def pending_member(world, **member_fields) -> Membership:
    person = verify(MemberFactory(**member_fields))
    return services.request_membership(member=person, organisation=world.organisation)


# --- end to end ----------------------------------------------------------------------------


def test_claim_at_sign_up_verified_by_staff_then_profile_edited(staff_client, db, run_tasks):
    client = Client()  # the newcomer's browser
    organisation = OrganisationFactory(
        name="Municipalité de Upala", slug="upala", kind=OrganisationKind.LOCAL_AUTHORITY
    )
    ProjectFactory(slug="upala", partners=[organisation])
    assert not organisation.verified

    # 1. Sign up, representing an organisation of the catalogue, and confirm the address.
    response = client.post(
        "/fr/accounts/signup/",
        {
            "email": "maria@example.org",
            "password1": "Tres-largo-y-seguro-2024",
            "password2": "Tres-largo-y-seguro-2024",
            "name": "María Solís",
            "country": "CR",
            "join_as": "existing",
            "organisation": organisation.pk,
            "accept_terms": "on",
        },
    )
    run_tasks()
    assert response.status_code == 302, response.content.decode()[:2000]
    maria = Member.objects.get(email="maria@example.org")
    claim = RepresentativeClaim.objects.get(member=maria)
    assert (claim.organisation, claim.status) == (organisation, MembershipStatus.PENDING)
    confirm = [link for link in links_in(mail.outbox[-1]) if "confirm" in link][0]
    client.get(path_of(confirm), follow=True)
    assert maria.emailaddress_set.get().verified

    # Not yet a representative: no way to edit the organisation.
    assert client.get(f"/fr/network/organisations/{organisation.slug}/edit/").status_code == 403

    # 2. Staff find the claim in the queue and approve it.
    queue = staff_client.get(CLAIMS)
    assert queue.status_code == 200
    assert "maria@example.org" in queue.content.decode()
    mail.outbox.clear()
    response = staff_client.post(
        CLAIMS, {"action": "approve_claims", "_selected_action": [claim.pk], "index": 0}
    )
    run_tasks()
    assert response.status_code == 302
    claim.refresh_from_db()
    organisation.refresh_from_db()
    assert claim.status == MembershipStatus.APPROVED and organisation.verified

    # 3. The email reaches the representative, with the organisation page's link.
    (email,) = mail.outbox
    assert email.to == ["maria@example.org"]
    assert organisation.name in email.subject
    page_link = next(link for link in links_in(email) if "/organisations/upala/" in link)
    page = client.get(path_of(page_link))
    assert page.status_code == 200
    html = parse(page)
    assert text(find(html, "span", "badge")) == tr("Verified")
    manage = find(html, "section", "manage")
    edit_link = find(manage, "a", href=f"/fr/network/organisations/{organisation.slug}/edit/")
    assert tr_count("%(counter)s request waiting", "%(counter)s requests waiting", 0) in text(
        manage
    )
    assert member_names(page) == ["María Solís"]

    # 4. The representative edits the profile; markup is shown as text, and what the form
    # does not hold (name of a verified organisation, slug, verified) is ignored.
    form = client.get(edit_link.attrs["href"])
    data = form_values(form, "organisation-form")
    assert "name" not in data
    data.update(
        description=f"Nous accompagnons les migrants. {XSS}",
        city="Upala",
        website="www.upala.go.cr",
        name="Renamed",
        slug="renamed",
        verified="",
    )
    response = client.post(edit_link.attrs["href"], data)
    assert response.status_code == 302
    assert response["Location"] == "/fr/organisations/upala/"
    organisation.refresh_from_db()
    assert organisation.description.endswith(XSS)
    assert (organisation.name, organisation.slug, organisation.verified) == (
        "Municipalité de Upala",
        "upala",
        True,
    )
    assert organisation.website == "https://www.upala.go.cr"
    page = client.get("/fr/organisations/upala/")
    assert XSS_ESCAPED in page.content.decode()
    assert XSS not in page.content.decode()
    assert "Upala, " in text(find(parse(page), "p", "meta"))
    # The change is in the organisation's history, with its author.
    latest = organisation.history.first()
    assert latest.history_user == maria
    assert latest.city == "Upala"


def test_a_member_says_they_belong_and_the_representative_approves(world, run_tasks):
    person = verify(MemberFactory(name="Moussa Diallo", visibility=Visibility.EVERYONE))
    visitor, rep = client_for(person), client_for(world.rep)
    url = world.organisation.get_absolute_url()

    # The person asks from the organisation's page.
    page = visitor.get(url)
    response = visitor.post(
        find(parse(page), "form", id="belong").attrs["action"], form_values(page, "belong")
    )
    assert response.status_code == 302 and response["Location"] == url
    membership = Membership.objects.get(member=person)
    assert (membership.organisation, membership.role, membership.status) == (
        world.organisation,
        MembershipRole.MEMBER,
        MembershipStatus.PENDING,
    )
    page = visitor.get(url)
    assert not find_all(parse(page), "form", id="belong")
    assert "Moussa Diallo" not in member_names(page)

    # The representative sees one request waiting, and approves it.
    page = rep.get(url)
    assert tr_count("%(counter)s request waiting", "%(counter)s requests waiting", 1) in text(
        find(parse(page), "section", "manage")
    )
    manage_url = f"/fr/network/organisations/{world.organisation.slug}/members/"
    manage = rep.get(manage_url)
    assert "Moussa Diallo" in text(find(parse(manage), "li", id=f"membership-{membership.pk}"))
    response = rep.post(manage_url, form_values(manage, f"approve-{membership.pk}"))
    run_tasks()
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPROVED
    assert membership.decided_by == world.rep

    # The person is told by email, with the page's link, where they now appear (the
    # representative was told of the request).
    (email,) = [message for message in mail.outbox if message.to == [person.email]]
    link = next(link for link in links_in(email) if "/organisations/amk/" in link)
    page = client_for(None).get(path_of(link))
    # The representative shares their profile with members only: not listed to a visitor.
    assert member_names(page) == ["Moussa Diallo"]
    moussa = next(
        li
        for li in find_all(find(parse(page), "ul", "members"), "li")
        if "Moussa Diallo" in text(li)
    )
    assert find(moussa, "a").attrs["href"] == person.get_absolute_url()
    assert text(find(moussa, "span", "role")) == tr("Member")


def test_members_listed_by_role_and_as_their_visibility_allows(world):
    def approved(name, visibility):
        membership = pending_member(world, name=name, visibility=visibility)
        services.approve_member(membership=membership, representative=world.rep)
        return membership

    approved("Zoé Public", Visibility.EVERYONE)
    approved("Aminata Members-only", Visibility.MEMBERS)
    approved("Bakary Hidden", Visibility.NOBODY)
    pending_member(world, name="Pending Person", visibility=Visibility.EVERYONE)
    Member.objects.filter(pk=world.rep.pk).update(visibility=Visibility.EVERYONE)
    url = world.organisation.get_absolute_url()

    # Representatives first, then by name; each with their role.
    assert member_names(client_for(None).get(url)) == ["Awa Representative", "Zoé Public"]
    assert member_names(client_for(world.unverified).get(url)) == [
        "Awa Representative",
        "Zoé Public",
    ]
    page = client_for(world.member).get(url)
    assert member_names(page) == ["Awa Representative", "Aminata Members-only", "Zoé Public"]
    roles = [
        text(find(li, "span", "role")) for li in find_all(find(parse(page), "ul", "members"), "li")
    ]
    assert roles == [tr("Representative"), tr("Member"), tr("Member")]


def test_member_names_with_markup_are_shown_as_text(world):
    membership = pending_member(world, name=f"Evil {XSS}", visibility=Visibility.EVERYONE)
    services.approve_member(membership=membership, representative=world.rep)

    page = client_for(None).get(world.organisation.get_absolute_url()).content.decode()

    assert f"Evil {XSS_ESCAPED}" in page
    assert XSS not in page


def test_staff_reject_a_claim_with_a_reason_through_the_intermediate_page(
    staff_client, db, run_tasks
):
    organisation = OrganisationFactory(name="Fondation Sahel", slug="sahel")
    ProjectFactory(slug="sahel", partners=[organisation])
    person = verify(MemberFactory(name="Impostor"))
    claim = services.claim_organisation(member=person, organisation=organisation)
    selected = {"action": "reject_claims", "_selected_action": [claim.pk]}

    # The action first asks for the reason.
    page = staff_client.post(CLAIMS, {**selected, "index": 0})
    assert page.status_code == 200
    assert "Impostor" in text(find(parse(page), "ul", "claims"))
    data = form_values(page, "reject-form")
    assert data["_selected_action"] == str(claim.pk)

    # Without a reason: refused, nothing changes, nobody is told.
    response = staff_client.post(CLAIMS, {**data, "reason": "  "})
    run_tasks()
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING
    assert mail.outbox == []

    # With a reason: rejected, and the person receives it.
    reason = "Nous n'avons pas pu joindre la fondation au numéro indiqué."
    response = staff_client.post(CLAIMS, {**data, "reason": reason})
    run_tasks()
    assert response.status_code == 302
    claim.refresh_from_db()
    organisation.refresh_from_db()
    assert (claim.status, claim.reason, claim.decided_by) == (
        MembershipStatus.REJECTED,
        reason,
        Member.objects.get(is_staff=True),
    )
    assert not organisation.verified
    (email,) = mail.outbox
    assert email.to == [person.email]
    assert reason in email.body

    # The person sees the decision and its reason among their organisations.
    mine = client_for(person).get("/fr/network/me/organisations/")
    (item,) = find_all(find(parse(mine), "ul", "memberships"), "li")
    assert text(find(item, "strong", "status")) == tr("Refused: %(reason)s") % {"reason": reason}


def test_representative_refuses_a_request_with_a_reason(world, run_tasks):
    membership = pending_member(world, name="Not One Of Us")
    rep = client_for(world.rep)
    manage_url = f"/fr/network/organisations/{world.organisation.slug}/members/"
    data = form_values(rep.get(manage_url), f"refuse-{membership.pk}")

    response = rep.post(manage_url, {**data, "reason": "Inconnu de notre bureau."})
    run_tasks()

    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.reason) == (
        MembershipStatus.REJECTED,
        "Inconnu de notre bureau.",
    )
    (email,) = [message for message in mail.outbox if message.to == [membership.member.email]]
    assert "Inconnu de notre bureau." in email.body
    # Refused, they may ask again.
    person = client_for(membership.member)
    response = person.post("/fr/network/me/organisations/", {"organisation": world.organisation.pk})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.reason) == (MembershipStatus.PENDING, "")


def test_representative_removes_an_approved_member(world, run_tasks):
    membership = pending_member(world, name="Former Colleague", visibility=Visibility.EVERYONE)
    services.approve_member(membership=membership, representative=world.rep)
    run_tasks()
    mail.outbox.clear()
    rep = client_for(world.rep)
    manage_url = f"/fr/network/organisations/{world.organisation.slug}/members/"
    page = rep.get(manage_url)
    # Representatives cannot be removed from here.
    rep_membership = Membership.objects.get(member=world.rep)
    assert not find_all(parse(page), "form", id=f"remove-{rep_membership.pk}")

    response = rep.post(manage_url, form_values(page, f"remove-{membership.pk}"))
    run_tasks()

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REJECTED
    assert len(mail.outbox) == 1
    assert "Former Colleague" not in member_names(
        client_for(None).get(world.organisation.get_absolute_url())
    )


def test_new_organisation_proposed_at_sign_up_is_hidden_until_verified(staff_client, db, run_tasks):
    client = Client()  # the newcomer's browser
    response = client.post(
        "/fr/accounts/signup/",
        {
            "email": "founder@example.org",
            "password1": "Tres-largo-y-seguro-2024",
            "password2": "Tres-largo-y-seguro-2024",
            "name": "Founder",
            "country": "SN",
            "join_as": "new",
            "organisation_name": "Diaspora Solidaire",
            "organisation_kind": OrganisationKind.DIASPORA,
            "organisation_country": "FR",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(name="Diaspora Solidaire")
    claim = RepresentativeClaim.objects.get(organisation=organisation)
    someone = client_for(verify(MemberFactory()))

    assert not Organisation.objects.listed().filter(pk=organisation.pk).exists()
    assert someone.get(organisation.get_absolute_url()).status_code == 404
    belong = someone.get("/fr/network/me/organisations/")
    assert "Diaspora Solidaire" not in belong.content.decode()
    response = someone.post("/fr/network/me/organisations/", {"organisation": organisation.pk})
    assert response.status_code == 400
    assert not Membership.objects.filter(organisation=organisation, role="member").exists()
    # Staff see it as not verified in the queue, and not approved while the founder has
    # not confirmed their address.
    queue = staff_client.get(CLAIMS)
    assert "Diaspora Solidaire" in queue.content.decode()
    approve = {"action": "approve_claims", "_selected_action": [claim.pk], "index": 0}
    staff_client.post(CLAIMS, approve)
    organisation.refresh_from_db()
    assert organisation.verified is False
    run_tasks()
    (verification,) = mail.outbox
    client.get(path_of(links_in(verification)[0]))
    mail.outbox.clear()

    staff_client.post(CLAIMS, approve)
    run_tasks()

    organisation.refresh_from_db()
    assert (organisation.verified, organisation.slug) == (True, "diaspora-solidaire")
    page = someone.get(organisation.get_absolute_url())
    assert page.status_code == 200
    assert text(find(parse(page), "span", "badge")) == tr("Verified")
    assert "Diaspora Solidaire" in someone.get("/fr/network/me/organisations/").content.decode()


# --- the staff's queue in the admin --------------------------------------------------------


def test_queue_shows_pending_claims_unless_asked_otherwise(world, staff_client):
    waiting_org = OrganisationFactory(name="Waiting Org", slug="waiting")
    ProjectFactory(slug="waiting", partners=[waiting_org])
    services.claim_organisation(
        member=verify(MemberFactory(email="waiting@example.org")), organisation=waiting_org
    )
    member_request = pending_member(world, email="justamember@example.org")

    page = staff_client.get(CLAIMS).content.decode()
    assert "waiting@example.org" in page
    assert world.rep.email not in page  # approved
    assert member_request.member.email not in page  # not a representative

    everything = staff_client.get(CLAIMS + "?status=all").content.decode()
    assert "waiting@example.org" in everything and world.rep.email in everything
    approved = staff_client.get(CLAIMS + "?status=approved").content.decode()
    assert "waiting@example.org" not in approved and world.rep.email in approved
    found = staff_client.get(CLAIMS + "?status=all&q=waiting").content.decode()
    assert "waiting@example.org" in found and world.rep.email not in found


def test_queue_approve_leaves_decided_claims_alone(world, staff_client, run_tasks):
    claim = Membership.objects.get(member=world.rep)
    before = claim.decided_at

    response = staff_client.post(
        CLAIMS + "?status=all",
        {"action": "approve_claims", "_selected_action": [claim.pk], "index": 0},
    )
    run_tasks()

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.decided_at == before
    assert mail.outbox == []


def test_claim_decisions_are_read_only_in_the_change_form(staff_client, db):
    organisation = OrganisationFactory()
    claim = services.claim_organisation(member=verify(MemberFactory()), organisation=organisation)
    url = f"{CLAIMS}{claim.pk}/change/"

    page = staff_client.get(url)
    assert page.status_code == 200
    assert not find_all(parse(page), "select", name="status")
    staff_client.post(url, {"status": "approved", "reason": "x", "role": "member"})

    claim.refresh_from_db()
    organisation.refresh_from_db()
    assert (claim.status, claim.role, organisation.verified) == ("pending", "representative", False)


def test_memberships_are_read_only_for_staff(world, staff_client):
    membership = pending_member(world)
    assert staff_client.get("/admin/network/membership/").status_code == 200
    url = f"/admin/network/membership/{membership.pk}/change/"
    assert staff_client.get(url).status_code == 200
    staff_client.post(url, {"status": "approved", "role": "representative"})
    membership.refresh_from_db()
    assert (membership.status, membership.role) == ("pending", "member")


@pytest.mark.parametrize("who", ["anonymous", "member", "rep"])
def test_queue_is_for_staff_only(world, who):
    client = client_for(actor(world, who))
    claim = Membership.objects.get(member=world.other_rep)
    for url in (CLAIMS, "/admin/network/membership/", f"{CLAIMS}{claim.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = client.post(
        CLAIMS, {"action": "approve_claims", "_selected_action": [claim.pk], "index": 0}
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- permissions, view by view -------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_organisation_page_for_each_actor(world, who):
    page = client_for(actor(world, who)).get(world.organisation.get_absolute_url())

    assert page.status_code == 200
    html = parse(page)
    assert bool(find_all(html, "section", "manage")) == (who in {"rep", "staff"})
    assert bool(find_all(html, "form", id="belong")) == (who in {"member", "other_rep"})
    assert text(find(html, "span", "badge")) == tr("Verified")


@pytest.mark.parametrize("who", ACTORS)
def test_my_organisations_for_each_actor(world, who):
    person = actor(world, who)
    client = client_for(person)
    url = "/fr/network/me/organisations/"

    page = client.get(url)
    response = client.post(url, {"organisation": world.organisation.pk})

    if who == "anonymous":
        assert page.status_code == response.status_code == 302
        assert "/accounts/login/" in page["Location"]
        assert not Membership.objects.filter(role=MembershipRole.MEMBER).exists()
        return
    assert page.status_code == 200
    expected = {"unverified": 403, "staff": 403, "member": 302, "other_rep": 302, "rep": 400}
    assert response.status_code == expected[who]
    created = Membership.objects.filter(
        member=person, organisation=world.organisation, role=MembershipRole.MEMBER
    )
    assert created.exists() == (who in {"member", "other_rep"})
    if who in {"unverified", "staff"}:
        assert tr("Confirm your email address before joining an organisation.") in (
            response.content.decode()
        )


def test_my_organisations_lists_each_membership_with_its_status(world):
    page = client_for(world.rep).get("/fr/network/me/organisations/")
    (item,) = find_all(find(parse(page), "ul", "memberships"), "li")
    assert world.organisation.name in text(item)
    assert text(find(item, "strong", "status")) == tr("Verified")  # a representative
    hrefs = {a.attrs["href"] for a in find_all(item, "a")}
    assert {
        world.organisation.get_absolute_url(),
        f"/fr/network/organisations/{world.organisation.slug}/edit/",
        f"/fr/network/organisations/{world.organisation.slug}/members/",
    } <= hrefs


def test_my_organisations_changes_only_the_requesting_member(world):
    client = client_for(world.member)

    response = client.post(
        "/fr/network/me/organisations/",
        {
            "organisation": world.organisation.pk,
            "member": world.unverified.pk,
            "role": MembershipRole.REPRESENTATIVE,
            "status": MembershipStatus.APPROVED,
            "next": "https://evil.example.com/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/fr/network/me/organisations/"
    membership = Membership.objects.get(organisation=world.organisation, member=world.member)
    assert (membership.role, membership.status) == ("member", "pending")
    assert not Membership.objects.filter(member=world.unverified).exists()


def test_my_organisations_rejects_bad_input_with_a_message(world):
    client = client_for(world.member)
    for data in ({}, {"organisation": "nope"}, {"organisation": 999999}):
        response = client.post("/fr/network/me/organisations/", data)
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
    services.request_membership(member=world.member, organisation=world.organisation)
    response = client.post("/fr/network/me/organisations/", {"organisation": world.organisation.pk})
    assert response.status_code == 400
    assert Membership.objects.filter(member=world.member).count() == 1


EDIT_EXPECTED = {
    "anonymous": 302,
    "unverified": 403,
    "member": 403,
    "other_rep": 403,
    "rep": 200,
    "staff": 200,
}


@pytest.mark.parametrize("who", ACTORS)
def test_edit_organisation_for_each_actor(world, who):
    client = client_for(actor(world, who))
    url = f"/fr/network/organisations/{world.organisation.slug}/edit/"

    page = client.get(url)
    response = client.post(
        url,
        {
            "name": "Hijacked",
            "kind": OrganisationKind.NGO,
            "country": "FR",
            "description": "Changed",
            "verified": "",
            "slug": "hijacked",
        },
    )

    assert page.status_code == EDIT_EXPECTED[who]
    world.organisation.refresh_from_db()
    if who == "anonymous":
        assert "/accounts/login/" in page["Location"] and "/accounts/login/" in response["Location"]
    if EDIT_EXPECTED[who] != 200:
        assert response.status_code == page.status_code
        assert world.organisation.description == ""
        assert world.organisation.kind == OrganisationKind.CIVIL_SOCIETY
        return
    assert response.status_code == 302
    assert world.organisation.description == "Changed"
    assert world.organisation.verified and world.organisation.slug == "amk"
    # Only staff rename a verified organisation.
    expected_name = "Hijacked" if who == "staff" else "Association des migrants de Kayes"
    assert world.organisation.name == expected_name


def test_edit_cannot_verify_an_organisation(staff_client, db):
    """Extra keys are ignored, even for staff: verification goes through the queue."""
    organisation = OrganisationFactory(name="Proposed", slug="proposed", verified=False)
    url = "/fr/network/organisations/proposed/edit/"
    data = form_values(staff_client.get(url), "organisation-form")

    response = staff_client.post(url, {**data, "verified": "on", "slug": "other"})

    assert response.status_code == 302
    assert response["Location"] == url  # not listed yet: back to the form
    organisation.refresh_from_db()
    assert (organisation.verified, organisation.slug) == (False, "proposed")


def test_edit_organisation_rejects_bad_input(world):
    client = client_for(world.rep)
    url = f"/fr/network/organisations/{world.organisation.slug}/edit/"
    data = form_values(client.get(url), "organisation-form")

    for bad in ({"kind": "castle"}, {"country": "XX"}, {"website": "javascript:alert(1)"}):
        response = client.post(url, {**data, **bad})
        assert response.status_code == 400, bad
        assert "errorlist" in response.content.decode()
    assert client.get("/fr/network/organisations/no-such-thing/edit/").status_code == 404


MANAGE_EXPECTED = EDIT_EXPECTED


@pytest.mark.parametrize("who", ACTORS)
def test_manage_members_for_each_actor(world, who):
    membership = pending_member(world, name="Someone Waiting")
    client = client_for(actor(world, who))
    url = f"/fr/network/organisations/{world.organisation.slug}/members/"

    page = client.get(url)
    response = client.post(url, {"membership": membership.pk, "decision": "approve"})

    assert page.status_code == MANAGE_EXPECTED[who]
    membership.refresh_from_db()
    if MANAGE_EXPECTED[who] != 200:
        assert response.status_code == page.status_code
        assert membership.status == MembershipStatus.PENDING
        return
    assert "Someone Waiting" in text(find(parse(page), "li", id=f"membership-{membership.pk}"))
    assert response.status_code == 302
    assert membership.status == MembershipStatus.APPROVED
    assert membership.decided_by == actor(world, who)


@pytest.mark.parametrize("decision", ["approve", "remove"])
def test_manage_members_ignores_memberships_of_another_organisation(world, decision):
    elsewhere = services.request_membership(
        member=verify(MemberFactory()), organisation=world.other
    )
    client = client_for(world.rep)

    response = client.post(
        f"/fr/network/organisations/{world.organisation.slug}/members/",
        {"membership": elsewhere.pk, "decision": decision, "organisation": world.other.pk},
    )

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == MembershipStatus.PENDING
    # Nor through the other organisation's own page.
    response = client.post(
        f"/fr/network/organisations/{world.other.slug}/members/",
        {"membership": elsewhere.pk, "decision": decision},
    )
    assert response.status_code == 403
    elsewhere.refresh_from_db()
    assert elsewhere.status == MembershipStatus.PENDING


def test_representatives_are_not_decided_from_the_members_page(world):
    """A pending claim on the organisation is staff's; a representative cannot approve it,
    nor remove a fellow representative."""
    claim = services.claim_organisation(
        member=verify(MemberFactory()), organisation=world.organisation
    )
    fellow = Membership.objects.get(member=world.rep)
    second = verify(MemberFactory())
    Membership.objects.create(
        member=second,
        organisation=world.organisation,
        role=MembershipRole.REPRESENTATIVE,
        status=MembershipStatus.APPROVED,
    )
    client = client_for(second)
    url = f"/fr/network/organisations/{world.organisation.slug}/members/"

    for membership, decision in ((claim, "approve"), (fellow, "remove")):
        response = client.post(url, {"membership": membership.pk, "decision": decision})
        assert response.status_code == 404
    claim.refresh_from_db()
    fellow.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING
    assert fellow.status == MembershipStatus.APPROVED


def test_manage_members_rejects_bad_input_with_a_message(world):
    client = client_for(world.rep)
    url = f"/fr/network/organisations/{world.organisation.slug}/members/"
    membership = pending_member(world)
    services.approve_member(membership=membership, representative=world.rep)

    for data in ({}, {"membership": "x", "decision": "approve"}, {"membership": membership.pk}):
        assert client.post(url, data).status_code == 400, data
    # Already decided: approving again is refused, and nobody is emailed twice.
    response = client.post(url, {"membership": membership.pk, "decision": "approve"})
    assert response.status_code == 400
    assert tr("This request was already decided.") in response.content.decode()
    assert client.post(url, {"membership": 999999, "decision": "remove"}).status_code == 404


# --- queries -------------------------------------------------------------------------------


def add_members(organisation: Organisation, count: int) -> None:
    """``count`` verified, visible, approved members of ``organisation``, in bulk."""
    start = Member.objects.count()
    members = Member.objects.bulk_create(
        Member(
            email=f"bulk{start + n}@example.org",
            name=f"Bulk Member {start + n}",
            slug=f"bulk-member-{start + n}",
            visibility=Visibility.EVERYONE,
        )
        for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=m, email=m.email, verified=True, primary=True) for m in members
    )
    Membership.objects.bulk_create(
        Membership(
            member=m,
            organisation=organisation,
            role=MembershipRole.MEMBER,
            status=MembershipStatus.APPROVED,
        )
        for m in members
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE network_member, network_membership, account_emailaddress")


def count_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "member", "rep"])
def test_organisation_page_queries_do_not_grow_with_members(world, who):
    client = client_for(actor(world, who))
    url = world.organisation.get_absolute_url()
    add_members(world.organisation, 3)
    few, html = count_queries(client, url)
    assert "Bulk Member" in html

    add_members(world.organisation, 37)
    many, html = count_queries(client, url)

    # The first members, and a link to all of them in the members directory.
    assert 20 <= html.count("Bulk Member") <= 24
    assert f"/fr/network/members/?organisation={world.organisation.slug}" in html
    assert many == few, f"{who}: {few} queries with 3 members, {many} with 40"
    assert few <= 15
