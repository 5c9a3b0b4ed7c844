"""Member profiles and a member's own data: seeing a profile, contacting its member, editing
one's profile, downloading one's data and deleting one's account, for each kind of actor
(anonymous visitor, member whose email is not verified, verified member, the owner, staff).

Interface strings are compared with what gettext gives for the page's language, so the tests
hold whether or not a string is translated yet.
"""

import datetime
import json
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network import accounts
from network.models import Member, Membership, MembershipRole, MembershipStatus, Visibility
from tests.factories import MemberFactory, OrganisationFactory, StaffFactory, ThemeFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

PASSWORD = "correct horse battery staple"  # MemberFactory's
XSS = '<script>alert("x")</script><b onmouseover=alert(1)>&amp;'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"

ME = "/fr/network/me/"
EDIT = "/fr/network/me/edit/"
EXPORT = "/fr/network/me/export/"
DELETE = "/fr/network/me/delete/"
LOGIN = reverse("account_login")


def goes_to_login(response) -> bool:
    """A redirect to the login page (with or without the language prefix: LOGIN_URL)."""
    return response.status_code == 302 and urlsplit(response.url).path.endswith("/accounts/login/")


# --- data and actors -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def make_member(visibility=Visibility.EVERYONE, verified=True, **fields) -> Member:
    member = MemberFactory(visibility=visibility, **fields)
    return verify(member) if verified else member


def contact_url(member: Member) -> str:
    return reverse("network:contact", kwargs={"slug": member.slug})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


ACTORS = ["anonymous", "unverified", "verified", "owner", "staff"]


@pytest.fixture
def profile_owner(db):
    return make_member(
        name="Aminata Diallo",
        email="aminata@example.org",
        country="SN",
        city="Dakar",
        affiliation="Université Cheikh Anta Diop",
        bio="Chercheuse.\nMigrations et territoires.",
    )


def client_for(actor: str, owner: Member) -> Client:
    client = Client()
    if actor == "unverified":
        client.force_login(make_member(verified=False))
    elif actor == "verified":
        client.force_login(make_member())
    elif actor == "owner":
        client.force_login(owner)
    elif actor == "staff":
        client.force_login(verify(StaffFactory()))
    return client


# --- the profile page: who sees it ---------------------------------------------------------

SEES = {
    # visibility: the actors who see the profile (the others get 404)
    Visibility.EVERYONE: {"anonymous", "unverified", "verified", "owner", "staff"},
    Visibility.MEMBERS: {"verified", "owner", "staff"},
    Visibility.NOBODY: {"owner", "staff"},
}


@pytest.mark.parametrize("visibility", list(SEES))
@pytest.mark.parametrize("actor", ACTORS)
def test_profile_visibility(profile_owner, visibility, actor):
    profile_owner.visibility = visibility
    profile_owner.save()
    response = client_for(actor, profile_owner).get(profile_owner.get_absolute_url())
    if actor not in SEES[visibility]:
        assert response.status_code == 404
        assert profile_owner.name not in response.content.decode()
        return
    assert response.status_code == 200
    page = parse(response)
    assert text(find(page, "h1")) == "Aminata Diallo"
    assert "Université Cheikh Anta Diop" in text(find(page, "p", "meta"))
    assert "Dakar, Sénégal" in text(find(page, "p", "meta"))
    bio = find(page, "div", "bio")
    [paragraph] = find_all(bio, "p")
    lines = [text(child) for child in paragraph.children if isinstance(child, str)]
    assert lines == ["Chercheuse.", "Migrations et territoires."]
    assert [child.tag for child in paragraph.children if not isinstance(child, str)] == ["br"]
    # The email address: the owner alone sees it.
    if actor == "owner":
        assert text(find(page, "strong", "own-email")) == "aminata@example.org"
    else:
        assert "aminata@example.org" not in response.content.decode()


@pytest.mark.parametrize("actor", ACTORS)
def test_unverified_profile_is_seen_by_owner_and_staff_only(actor):
    owner = make_member(verified=False, visibility=Visibility.EVERYONE)
    response = client_for(actor, owner).get(owner.get_absolute_url())
    assert response.status_code == (200 if actor in {"owner", "staff"} else 404)
    if actor == "owner":
        note = text(find(parse(response), "section", "owner-note"))
        assert (
            tr(
                "Until you confirm your email address, your profile stays hidden from everyone "
                "else and you cannot contact members."
            )
            in note
        )


@pytest.mark.parametrize("actor", ACTORS)
def test_deleted_and_unknown_profiles_are_404_for_everyone(profile_owner, actor):
    client = client_for(actor, profile_owner)
    assert client.get("/fr/network/members/nobody-here-000000/").status_code == 404
    gone = make_member()
    accounts.delete_account(gone)
    assert client.get(gone.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("actor", ["anonymous", "verified"])
def test_inactive_account_is_hidden(actor):
    owner = make_member(is_active=False)
    assert client_for(actor, owner).get(owner.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("visibility", "note"),
    [
        (
            Visibility.EVERYONE,
            "Everyone can see it, visitors who are not logged in included, and it is listed "
            "in the members directory.",
        ),
        (
            Visibility.MEMBERS,
            "Only members of M4D Net who are logged in and have confirmed their email address "
            "can see it and find it in the members directory.",
        ),
        (
            Visibility.NOBODY,
            "Nobody else can see it (apart from the JMDI team), and it is not listed in the "
            "members directory.",
        ),
    ],
)
def test_owner_is_told_who_sees_the_profile(client, profile_owner, visibility, note):
    profile_owner.visibility = visibility
    profile_owner.save()
    client.force_login(profile_owner)
    page = parse(client.get(profile_owner.get_absolute_url()))
    owner_note = find(page, "section", "owner-note")
    assert text(find(owner_note, "p", "visibility-note")) == tr(note)
    links = {a.attrs["href"] for a in find_all(owner_note, "a")}
    assert {
        EDIT,
        EXPORT,
        DELETE,
        reverse("account_email"),
        reverse("account_change_password"),
    } <= links
    assert not find_all(page, "form", id="contact-form")


def test_profile_lists_approved_organisations_and_expertise(client, profile_owner):
    approved = OrganisationFactory(name="Diaspora Solidaire", verified=True)
    pending = OrganisationFactory(name="En attente", verified=True)
    rejected = OrganisationFactory(name="Refusée", verified=True)
    Membership.objects.create(
        member=profile_owner,
        organisation=approved,
        role=MembershipRole.MEMBER,
        status=MembershipStatus.APPROVED,
    )
    Membership.objects.create(
        member=profile_owner, organisation=pending, role=MembershipRole.REPRESENTATIVE
    )
    Membership.objects.create(
        member=profile_owner,
        organisation=rejected,
        role=MembershipRole.MEMBER,
        status=MembershipStatus.REJECTED,
    )
    health = ThemeFactory(name="Santé", name_en="Health")
    profile_owner.expertise.set([health])
    page = parse(client.get(profile_owner.get_absolute_url()))
    organisations = find(page, "ul", "organisations")
    assert [(text(a), a.attrs["href"]) for a in find_all(organisations, "a")] == [
        ("Diaspora Solidaire", approved.get_absolute_url())
    ]
    assert [text(li) for li in find_all(find(page, "ul", "expertise"), "li")] == ["Santé"]


def test_every_profile_field_is_shown_as_text(client):
    theme = ThemeFactory(name=XSS, name_en=XSS)
    owner = make_member(
        name=f"Name {XSS}",
        city=f"City {XSS}",
        affiliation=f"Affiliation {XSS}",
        bio=f"Bio {XSS}\nsecond line",
        country="SN",
    )
    owner.expertise.set([theme])
    organisation = OrganisationFactory(name=f"Org {XSS}", verified=True)
    Membership.objects.create(
        member=owner,
        organisation=organisation,
        role=MembershipRole.MEMBER,
        status=MembershipStatus.APPROVED,
    )
    pages = {
        "profile": client.get(owner.get_absolute_url()),
        "directory": client.get(reverse("network:members")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "<script>" not in html, name
        assert "<b onmouseover" not in html, name
        assert html.count(XSS_ESCAPED) >= 5, name  # name, city, affiliation, theme, org
        page = parse(response)
        # What a reader sees is what was typed, character for character.
        if name == "profile":
            scope = find(page, "article", "member-profile")
        else:
            scope = find(page, "article", "member-card")
        for typed in ("Name", "City", "Affiliation", "Org"):
            assert f'{typed} <script>alert("x")</script><b onmouseover=alert(1)>&amp;' in text(
                scope
            ), (name, typed)
    bio = find(parse(pages["profile"]), "div", "bio")
    assert f"Bio {XSS}" in text(bio)


# --- contacting a member -------------------------------------------------------------------


def message(subject="Collaboration", body="Bonjour, travaillons ensemble."):
    return {"subject": subject, "message": body}


@pytest.fixture
def sender(db):
    return make_member(name="Carlos Pérez", email="carlos@example.org")


@pytest.fixture
def sender_client(client, sender):
    client.force_login(sender)
    return client


def test_contact_sends_email_with_sender_as_reply_to(
    sender_client, sender, profile_owner, run_tasks
):
    response = sender_client.post(
        contact_url(profile_owner), message(body="<b>Hola</b> & bienvenue")
    )
    assert response.status_code == 302
    assert response.url == profile_owner.get_absolute_url()
    run_tasks()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["aminata@example.org"]
    assert email.reply_to == ["carlos@example.org"]
    assert "carlos@example.org" not in email.body  # the reply-to says it already
    assert "Collaboration" in email.subject
    assert "Carlos Pérez" in email.subject
    assert "<b>Hola</b> & bienvenue" in email.body  # plain text, not escaped
    assert "Carlos Pérez" in email.body
    assert f"http://testserver{sender.get_absolute_url()}" in email.body
    # The sender is told it went, and never sees the recipient's address.
    page = sender_client.get(response.url)
    messages = text(find(parse(page), "ul", "messages"))
    assert (
        tr("Your message was sent to %(name)s. Their reply will come to your email address.")
        % {"name": "Aminata Diallo"}
        == messages
    )
    assert "aminata@example.org" not in page.content.decode()
    assert "aminata@example.org" not in response.content.decode()


def test_contact_form_posts_back_as_a_browser_would(sender_client, profile_owner, run_tasks):
    page = sender_client.get(profile_owner.get_absolute_url())
    data = form_values(page, "contact-form")
    assert set(data) == {"csrfmiddlewaretoken", "submission", "subject", "message"}
    data.update(message())
    form = find(parse(page), "form", id="contact-form")
    assert sender_client.post(form.attrs["action"], data).status_code == 302
    run_tasks()
    assert len(mail.outbox) == 1


def test_hidden_sender_is_named_without_a_link(sender_client, sender, profile_owner, run_tasks):
    sender.visibility = Visibility.NOBODY
    sender.save()
    sender_client.post(contact_url(profile_owner), message())
    run_tasks()
    body = mail.outbox[0].body
    assert "Carlos Pérez" in body
    assert sender.get_absolute_url() not in body


def test_anonymous_cannot_contact(client, profile_owner, run_tasks):
    assert goes_to_login(client.post(contact_url(profile_owner), message()))
    run_tasks()
    assert mail.outbox == []
    page = parse(client.get(profile_owner.get_absolute_url()))
    assert not find_all(page, "form", id="contact-form")
    contact = find(page, "section", "contact")
    assert any(a.attrs["href"].startswith(LOGIN) for a in find_all(contact, "a"))


def test_unverified_member_cannot_contact(client, profile_owner, run_tasks):
    client.force_login(make_member(verified=False))
    page = parse(client.get(profile_owner.get_absolute_url()))
    assert not find_all(page, "form", id="contact-form")
    assert tr("Confirm your email address before contacting members.") in text(
        find(page, "section", "contact")
    )
    response = client.post(contact_url(profile_owner), message())
    assert response.status_code == 403
    assert tr(
        "Confirm your email address before contacting members: open the link we sent "
        "you, or ask for a new one on your email addresses page."
    ) == text(find(parse(response), "p", "notice"))
    run_tasks()
    assert mail.outbox == []


def test_cannot_contact_oneself(client, profile_owner, run_tasks):
    client.force_login(profile_owner)
    response = client.post(contact_url(profile_owner), message())
    assert response.status_code == 403
    assert tr("You cannot send a message to yourself.") in response.content.decode()
    run_tasks()
    assert mail.outbox == []


@pytest.mark.parametrize("visibility", [Visibility.NOBODY])
def test_cannot_contact_a_member_one_cannot_see(
    sender_client, profile_owner, visibility, run_tasks
):
    profile_owner.visibility = visibility
    profile_owner.save()
    assert sender_client.post(contact_url(profile_owner), message()).status_code == 404
    assert sender_client.post("/fr/network/members/nobody-0/contact/", message()).status_code == 404
    run_tasks()
    assert mail.outbox == []


def test_members_only_profile_can_be_contacted_by_verified_member(
    sender_client, profile_owner, run_tasks
):
    profile_owner.visibility = Visibility.MEMBERS
    profile_owner.save()
    assert sender_client.post(contact_url(profile_owner), message()).status_code == 302
    run_tasks()
    assert len(mail.outbox) == 1


def test_staff_see_hidden_profile_but_cannot_write_to_it(client, profile_owner, run_tasks):
    profile_owner.visibility = Visibility.NOBODY
    profile_owner.save()
    client.force_login(verify(StaffFactory()))
    page = client.get(profile_owner.get_absolute_url())
    assert page.status_code == 200
    assert not find_all(parse(page), "form", id="contact-form")
    assert client.post(contact_url(profile_owner), message()).status_code == 404
    run_tasks()
    assert mail.outbox == []


def test_contact_get_redirects_to_profile(sender_client, profile_owner):
    response = sender_client.get(contact_url(profile_owner))
    assert response.status_code == 302
    assert response.url == profile_owner.get_absolute_url()


@pytest.mark.parametrize(
    "data",
    [
        message(subject=""),
        message(body=""),
        message(subject="x" * 151),
        message(body="x" * 5001),
        {},
    ],
)
def test_contact_bad_input_is_400_and_nothing_sent(sender_client, profile_owner, data, run_tasks):
    response = sender_client.post(contact_url(profile_owner), data)
    assert response.status_code == 400
    assert find_all(parse(response), "ul", "errorlist")
    run_tasks()
    assert mail.outbox == []


def test_contact_rate_limit(sender_client, profile_owner, run_tasks):
    limit = min(rate.amount for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS["contact_member"]))
    for number in range(limit):
        response = sender_client.post(contact_url(profile_owner), message(f"Message {number}"))
        assert response.status_code == 302
    response = sender_client.post(contact_url(profile_owner), message("One too many"))
    assert response.status_code == 429
    page = parse(response)
    assert tr(
        "You have sent many messages in a short while: this one was not sent. "
        "Please try again later (it is still below)."
    ) in text(find(page, "form", id="contact-form"))
    # What was typed is still there.
    assert find(page, "input", name="subject").attrs["value"] == "One too many"
    run_tasks()
    assert len(mail.outbox) == limit
    # Another sender is not held back.
    other = Client()
    other.force_login(make_member())
    assert other.post(contact_url(profile_owner), message()).status_code == 302


def test_invalid_messages_do_not_count_towards_the_limit(sender_client, profile_owner):
    limit = min(rate.amount for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS["contact_member"]))
    for _ in range(limit + 2):
        sender_client.post(contact_url(profile_owner), message(subject=""))
    assert sender_client.post(contact_url(profile_owner), message()).status_code == 302


# --- my profile ----------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_my_profile_redirects(profile_owner, actor):
    client = client_for(actor, profile_owner)
    response = client.get(ME)
    assert response.status_code == 302
    if actor == "anonymous":
        assert goes_to_login(response)
    else:
        user = Member.objects.get(pk=client.session["_auth_user_id"])
        assert response.url == user.get_absolute_url()
        assert client.get(response.url).status_code == 200  # whatever their visibility


# --- editing one's profile -----------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("url", [EDIT, EXPORT, DELETE])
def test_own_data_pages_need_login(profile_owner, actor, url):
    response = client_for(actor, profile_owner).get(url)
    if actor == "anonymous":
        assert goes_to_login(response)
    else:
        assert response.status_code == 200


def test_edit_profile_form_round_trip(client, profile_owner):
    themes = ThemeFactory.create_batch(3)
    profile_owner.expertise.set(themes[:1])
    client.force_login(profile_owner)
    page = client.get(EDIT)
    data = form_values(page, "profile-form")
    assert data["name"] == "Aminata Diallo"
    assert data["country"] == "SN"
    assert data["visibility"] == Visibility.EVERYONE
    assert data["expertise"] == str(themes[0].pk)
    links = {a.attrs["href"] for a in find_all(parse(page), "a")}
    assert {
        reverse("account_email"),
        reverse("account_change_password"),
        EXPORT,
        DELETE,
    } <= links
    data.update(
        name="Aminata D.",
        city="Thiès",
        country="ML",
        affiliation="",
        bio="Nouvelle bio",
        visibility=Visibility.MEMBERS,
        expertise=[str(themes[1].pk), str(themes[2].pk)],
    )
    response = client.post(EDIT, data)
    assert response.status_code == 302
    assert response.url == profile_owner.get_absolute_url()
    profile_owner.refresh_from_db()
    assert profile_owner.name == "Aminata D."
    assert profile_owner.city == "Thiès"
    assert profile_owner.country.code == "ML"
    assert profile_owner.affiliation == ""
    assert profile_owner.bio == "Nouvelle bio"
    assert profile_owner.visibility == Visibility.MEMBERS
    assert set(profile_owner.expertise.all()) == set(themes[1:])
    assert tr("Your profile is saved.") in text(
        find(parse(client.get(response.url)), "ul", "messages")
    )


def test_edit_profile_ignores_extra_keys_and_other_members(client, profile_owner):
    other = make_member(name="Other Person", email="other@example.org")
    slug, other_slug = profile_owner.slug, other.slug
    client.force_login(profile_owner)
    data = form_values(client.get(EDIT), "profile-form")
    data.update(
        name="Changed",
        email="hijack@example.org",
        is_staff="on",
        is_superuser="on",
        is_active="",
        slug="taken-over",
        deleted_at="2020-01-01T00:00:00Z",
        id=str(other.pk),
        pk=str(other.pk),
        member=str(other.pk),
        password="x",
    )
    assert client.post(EDIT, data).status_code == 302
    profile_owner.refresh_from_db()
    other.refresh_from_db()
    assert profile_owner.name == "Changed"
    assert profile_owner.email == "aminata@example.org"
    assert not profile_owner.is_staff and not profile_owner.is_superuser
    assert profile_owner.is_active
    assert profile_owner.slug == slug
    assert profile_owner.deleted_at is None
    assert profile_owner.check_password(PASSWORD)
    assert (other.name, other.email) == ("Other Person", "other@example.org")
    assert other.slug == other_slug


def test_edit_profile_bad_input_keeps_everything(client, profile_owner):
    client.force_login(profile_owner)
    data = form_values(client.get(EDIT), "profile-form")
    data.update(name="", city="Nowhere", visibility="public", country="XX")
    response = client.post(EDIT, data)
    assert response.status_code == 400
    assert len(find_all(parse(response), "ul", "errorlist")) == 3
    profile_owner.refresh_from_db()
    assert (profile_owner.name, profile_owner.city) == ("Aminata Diallo", "Dakar")


def test_unverified_member_edits_own_profile(client):
    member = make_member(verified=False, country="SN")
    client.force_login(member)
    data = form_values(client.get(EDIT), "profile-form")
    data["city"] = "Ziguinchor"
    assert client.post(EDIT, data).status_code == 302
    member.refresh_from_db()
    assert member.city == "Ziguinchor"


# --- downloading one's data ----------------------------------------------------------------


def test_export_my_data(client, profile_owner):
    theme = ThemeFactory(name="Santé", name_en="Health", slug="health")
    profile_owner.expertise.set([theme])
    EmailAddress.objects.create(user=profile_owner, email="old@example.org", verified=False)
    organisation = OrganisationFactory(name="Diaspora Solidaire", slug="diaspora", verified=True)
    Membership.objects.create(
        member=profile_owner,
        organisation=organisation,
        role=MembershipRole.MEMBER,
        status=MembershipStatus.REJECTED,
        reason="Inconnue chez nous",
    )
    other = make_member(name="Someone Else", email="else@example.org")
    other.expertise.set([ThemeFactory()])
    client.force_login(profile_owner)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="m4dnet-{profile_owner.slug}-{today}.json"'
    )
    data = json.loads(response.content)
    profile_owner.refresh_from_db()
    assert data["account"]["email"] == "aminata@example.org"
    assert data["account"]["name"] == "Aminata Diallo"
    joined = datetime.datetime.fromisoformat(data["account"]["date_joined"])
    assert abs(joined - profile_owner.date_joined) < datetime.timedelta(milliseconds=1)
    assert data["account"]["last_login"]  # force_login set it
    assert data["profile"] == {
        "address": profile_owner.get_absolute_url(),
        "country": {"code": "SN", "name": "Sénégal"},
        "city": "Dakar",
        "affiliation": "Université Cheikh Anta Diop",
        "bio": "Chercheuse.\nMigrations et territoires.",
    }
    assert data["visibility"]["value"] == "everyone"
    assert data["expertise"] == [{"slug": "health", "name": "Santé"}]
    assert data["email_addresses"] == [
        {"email": "aminata@example.org", "verified": True, "primary": True},
        {"email": "old@example.org", "verified": False, "primary": False},
    ]
    [membership] = data["memberships"]
    assert membership["organisation"] == {"name": "Diaspora Solidaire", "slug": "diaspora"}
    assert (membership["role"], membership["status"]) == ("member", "rejected")
    assert membership["reason"] == "Inconnue chez nous"
    assert membership["requested"] and "decided" in membership
    assert "else@example.org" not in response.content.decode()
    assert "Someone Else" not in response.content.decode()


def test_export_extension_point(client, profile_owner, monkeypatch):
    """Other apps (forums) add their section of a member's data."""
    monkeypatch.setitem(
        accounts._data_sections,
        "forum_posts",
        lambda member: [{"author": member.name, "written": datetime.date(2024, 5, 1)}],
    )
    client.force_login(profile_owner)
    data = json.loads(client.get(EXPORT).content)
    assert data["forum_posts"] == [{"author": "Aminata Diallo", "written": "2024-05-01"}]


# --- deleting one's account ----------------------------------------------------------------


@pytest.fixture
def rich_owner(profile_owner):
    """The owner with expertise, two memberships and a second email address."""
    profile_owner.expertise.set(ThemeFactory.create_batch(2))
    for role in (MembershipRole.MEMBER, MembershipRole.REPRESENTATIVE):
        Membership.objects.create(
            member=profile_owner,
            organisation=OrganisationFactory(verified=True),
            role=role,
            status=MembershipStatus.APPROVED,
        )
    EmailAddress.objects.create(user=profile_owner, email="second@example.org")
    return profile_owner


def test_delete_page_explains_and_asks_for_the_password(client, profile_owner):
    client.force_login(profile_owner)
    response = client.get(DELETE)
    page = parse(response)
    form = find(page, "form", id="delete-account-form")
    assert find(form, "input", type="password").attrs["name"] == "password"
    assert tr("What you wrote in the forums stays, shown as written by a former member.") in text(
        page
    )


@pytest.mark.parametrize("password", ["wrong password!", ""])
def test_delete_with_wrong_password_changes_nothing(client, rich_owner, password):
    client.force_login(rich_owner)
    before = accounts.member_data(Member.objects.get(pk=rich_owner.pk))
    response = client.post(DELETE, {"password": password})
    assert response.status_code == 400
    assert find_all(parse(response), "ul", "errorlist")
    after = accounts.member_data(Member.objects.get(pk=rich_owner.pk))
    assert before == after
    rich_owner.refresh_from_db()
    assert rich_owner.is_active and rich_owner.deleted_at is None
    assert logged_in(client)


def test_delete_with_right_password_anonymises(client, rich_owner):
    pk, old_email = rich_owner.pk, rich_owner.email
    client.force_login(rich_owner)
    elsewhere = Client()  # the same person, logged in on another device
    elsewhere.force_login(rich_owner)
    staff = Client()
    staff.force_login(verify(StaffFactory()))
    bystander = make_member()
    bystander_client = Client()
    bystander_client.force_login(bystander)

    response = client.post(DELETE, {"password": PASSWORD})
    assert response.status_code == 200
    assert text(find(parse(response), "h1")) == tr("Your account is deleted")
    assert not logged_in(client)

    member = Member.objects.get(pk=pk)
    assert member.email == f"deleted-{pk}@invalid"
    assert (member.name, member.city, member.affiliation, member.bio) == ("", "", "", "")
    assert not member.country
    assert member.visibility == Visibility.NOBODY
    assert not member.has_usable_password()
    assert not member.is_active
    assert member.deleted_at is not None
    assert member.last_login is None
    assert not member.expertise.exists()
    assert not EmailAddress.objects.filter(user=member).exists()
    assert not EmailAddress.objects.filter(email__in=[old_email, "second@example.org"]).exists()
    assert not Membership.objects.filter(member=member).exists()
    assert member.display_name == tr("Former member")
    assert member.slug  # the row stays, for what they posted

    # The old email and password open nothing.
    assert authenticate(email=old_email, password=PASSWORD) is None
    assert not client.login(email=old_email, password=PASSWORD)
    client.post(LOGIN, {"login": old_email, "password": PASSWORD})
    assert not logged_in(client)
    # Every session is closed, the profile is gone, even for staff.
    sessions = Session.objects.all()
    assert str(pk) not in {session.get_decoded().get("_auth_user_id") for session in sessions}
    assert goes_to_login(elsewhere.get(ME))
    assert staff.get(member.get_absolute_url()).status_code == 404
    # Other people's sessions are untouched.
    assert bystander_client.get(ME).url == bystander.get_absolute_url()


def test_deleted_member_is_gone_from_directory_and_export(client, profile_owner):
    accounts.delete_account(profile_owner)
    response = client.get(reverse("network:members"))
    assert "Aminata Diallo" not in response.content.decode()
    data = accounts.member_data(Member.objects.get(pk=profile_owner.pk))
    assert data["account"]["email"] == f"deleted-{profile_owner.pk}@invalid"
    assert data["email_addresses"] == data["memberships"] == data["expertise"] == []


def test_delete_account_signal(profile_owner):
    received = []

    def receiver(sender, member, **kwargs):
        received.append((member.pk, member.name))

    accounts.account_deleted.connect(receiver)
    try:
        accounts.delete_account(profile_owner)
    finally:
        accounts.account_deleted.disconnect(receiver)
    assert received == [(profile_owner.pk, "")]


def test_password_checks_are_rate_limited(client, profile_owner):
    limit = min(rate.amount for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS["delete_account"]))
    client.force_login(profile_owner)
    for _ in range(limit):
        assert client.post(DELETE, {"password": "guess guess guess"}).status_code == 400
    response = client.post(DELETE, {"password": PASSWORD})  # right, but too late
    assert response.status_code == 429
    profile_owner.refresh_from_db()
    assert profile_owner.is_active and profile_owner.deleted_at is None
    assert logged_in(client)


# --- queries -------------------------------------------------------------------------------


def profile_with(count: int) -> Member:
    owner = make_member(country="SN", city="Dakar", bio="Bio")
    owner.expertise.set(ThemeFactory.create_batch(count))
    for organisation in OrganisationFactory.create_batch(count, verified=True):
        Membership.objects.create(
            member=owner,
            organisation=organisation,
            role=MembershipRole.MEMBER,
            status=MembershipStatus.APPROVED,
        )
    return owner


@pytest.mark.parametrize("actor", ["anonymous", "verified", "owner", "staff"])
def test_profile_query_count_does_not_grow(actor):
    counts = []
    for size in (2, 20):
        owner = profile_with(size)
        client = client_for(actor, owner)
        client.get(owner.get_absolute_url())  # warm up: content types, session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(owner.get_absolute_url())
        assert response.status_code == 200
        assert len(find_all(find(parse(response), "ul", "organisations"), "li")) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10, counts


def test_account_without_country_is_asked_for_one(client):
    member = make_member(country="")
    client.force_login(member)
    data = form_values(client.get(EDIT), "profile-form")
    assert data["country"] == ""  # nothing chosen in the member's place
    response = client.post(EDIT, data)
    assert response.status_code == 400
    data["country"] = "SV"
    assert client.post(EDIT, data).status_code == 302
    member.refresh_from_db()
    assert member.country.code == "SV"
