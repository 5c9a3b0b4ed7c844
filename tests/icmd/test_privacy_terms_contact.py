"""The privacy notice, the terms of use and the contact page: read in each language,
edited by staff in the admin, and a contact form that writes to the team (in each one's
language, through the outbox) without showing who they are, rate-limited, safe to submit
twice and closed to robots and to header injection.

Interface strings are compared with what gettext gives for the page's language, so the tests
hold whether or not a string is translated yet.
"""

from email import message_from_bytes
from pathlib import Path

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from common.models import OutgoingEmail
from icmd.forms import ContactTopic
from icmd.models import Page, PageKind
from tests.factories import MemberFactory, StaffFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
LANGUAGES = ["fr", "en", "es"]
SENDER = "amina@example.org"


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def fixture_title(language: str, slug: str) -> str:
    (path,) = PAGES.joinpath(language).glob(f"*-{slug}.md")
    return path.read_text(encoding="utf-8").partition("\n")[0].removeprefix("# ").strip()


def url(name: str, language: str = "fr", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def article(response):
    return find(parse(response), "article")


def hrefs(node) -> list[str]:
    return [a.attrs.get("href") for a in find_all(node, "a")]


# --- the privacy notice and the terms of use ----------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", ["privacy", "terms"])
def test_each_page_in_each_language(seed_copy, client, language, slug):
    response = client.get(f"/{language}/{slug}/")

    assert response.status_code == 200
    page = parse(response)
    assert text(find(page, "h1")) == fixture_title(language, slug)
    assert find(page, "html").attrs["lang"] == language
    assert not find_all(article(response), "p", "notice")  # no "not yet translated"
    assert text(find(page, "title")).startswith(fixture_title(language, slug))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_privacy_notice_links_the_export_and_the_deletion_of_ones_data(
    seed_copy, client, language
):
    page = parse(client.get(f"/{language}/privacy/"))

    links = hrefs(page)
    assert url("network:export", language) in links
    assert url("network:delete_account", language) in links
    assert url("contact", language) in links
    # What it says about who sees a profile names the three levels the profile form offers.
    body = text(article(client.get(f"/{language}/privacy/")))
    for level in ("Everyone", "Members of M4D Net only"):
        assert tr(level, language).split(" (")[0] in body


def test_the_privacy_notice_describes_what_sign_up_collects(seed_copy, client):
    body = text(article(client.get("/en/privacy/")))

    for item in ("Email address", "Name and country", "city", "affiliation", "bio", "language"):
        assert item in body
    for kept in ("Former member", "outbox", "a day", "sessionid", "csrftoken"):
        assert kept in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_terms_show_their_version_and_the_posting_rules(seed_copy, client, language):
    terms = Page.objects.get(kind=PageKind.TERMS)
    response = client.get(f"/{language}/terms/")

    version = text(find(parse(response), "p", "terms-version"))
    assert terms.version == "1"
    assert "1" in version
    # The posting rules the flag form refers to: respect, spam, personal data of others,
    # on topic, languages, the law.
    rules = find(article(response), "ol")
    assert len(find_all(rules, "li")) == 6


def test_privacy_and_terms_are_not_about_pages(seed_copy, client):
    response = client.get("/en/about/initiative/")

    menu = text(find(parse(response), "nav", "card"))
    assert fixture_title("en", "privacy") not in menu
    assert fixture_title("en", "terms") not in menu
    assert client.get("/en/about/privacy/").status_code == 404
    assert client.get("/en/about/terms/").status_code == 404


def test_without_the_page_its_address_is_404(client):
    assert client.get("/fr/privacy/").status_code == 404
    assert client.get("/en/terms/").status_code == 404


def test_loading_the_seed_adds_privacy_and_terms_to_a_site_that_has_pages(db):
    Page.objects.create(slug="welcome", title_fr="Bienvenue", body_fr="Texte.")

    call_command("load_seed", verbosity=0)

    assert Page.objects.get(kind=PageKind.PRIVACY).slug == "privacy"
    assert Page.objects.get(kind=PageKind.TERMS).version == "1"
    # The about pages of the seed are not brought in: staff keep the pages.
    assert not Page.objects.filter(slug="initiative").exists()
    # Staff's text survives the next load, whatever its slug has become.
    Page.objects.filter(kind=PageKind.PRIVACY).update(slug="donnees", body_fr="Revu.")
    call_command("load_seed", verbosity=0)
    assert Page.objects.filter(kind=PageKind.PRIVACY).get().body_fr == "Revu."


def test_staff_edit_the_privacy_notice_in_the_admin(seed_copy, client, staff_client):
    page = Page.objects.get(kind=PageKind.PRIVACY)
    change = f"/admin/icmd/page/{page.pk}/change/"
    data = form_values(staff_client.get(change), "page_form")
    assert (data["body_fr"], data["body_es"]) == (page.body_fr, page.body_es)
    data["title_en"] = "Your privacy"
    data["body_en"] = "We keep **little**.\n\nNew paragraph."

    assert staff_client.post(change, data).status_code == 302

    english = parse(client.get("/en/privacy/"))
    assert text(find(english, "h1")) == "Your privacy"
    assert "We keep little." in text(find(english, "article"))
    assert fixture_title("fr", "privacy") == text(find(parse(client.get("/fr/privacy/")), "h1"))
    assert page.history.first().history_user.is_staff
    # The page the footer and the sign-up form link cannot be deleted.
    assert staff_client.get(f"/admin/icmd/page/{page.pk}/delete/").status_code == 403
    assert Page.objects.filter(pk=page.pk).exists()


def test_staff_change_the_version_of_the_terms(seed_copy, client, staff_client):
    terms = Page.objects.get(kind=PageKind.TERMS)
    change = f"/admin/icmd/page/{terms.pk}/change/"
    data = form_values(staff_client.get(change), "page_form")
    assert data["version"] == "1"
    data["version"] = "2025-09"

    assert staff_client.post(change, data).status_code == 302

    assert "2025-09" in text(find(parse(client.get("/en/terms/")), "p", "terms-version"))
    # About pages have no version.
    about = Page.objects.get(slug="initiative")
    assert "version" not in form_values(
        staff_client.get(f"/admin/icmd/page/{about.pk}/change/"), "page_form"
    )


# --- the contact page ---------------------------------------------------------------------


@pytest.fixture
def team(db):
    """Two staff members, one reading French, one Spanish."""
    return [
        StaffFactory(email="claire@team.example", language="fr"),
        StaffFactory(email="lucia@team.example", language="es"),
    ]


def contact_data(client, language="en", **changes):
    """The contact form as shown, filled in."""
    data = form_values(client.get(f"/{language}/contact/"), "contact-form")
    data.update(
        {
            "name": "Amina Diallo",
            "email": SENDER,
            "topic": ContactTopic.PERSONAL_DATA,
            "subject": "My profile",
            "message": "Please remove my old city from my profile.",
        }
    )
    data.update(changes)
    return data


def sent_to(address):
    return [message for message in mail.outbox if message.to == [address]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contact_page_in_each_language_shows_no_address_of_the_team(client, team, language):
    response = client.get(f"/{language}/contact/")

    assert response.status_code == 200
    page = parse(response)
    assert text(find(page, "h1")) == tr("Contact the team", language)
    assert find(page, "html").attrs["lang"] == language
    content = response.content.decode()
    for member in team:
        assert member.email not in content
    assert "mailto:" not in content
    labels = text(find(page, "form", id="contact-form"))
    assert tr("Your message", language) in labels
    # The field for robots is hidden by the stylesheet, not by an inline style.
    trap = find(page, "div", "trap")
    assert find(trap, "input", name="website")
    assert 'style="' not in content


def test_a_message_reaches_each_member_of_the_team_in_their_language(client, team, run_tasks):
    response = client.post("/en/contact/", contact_data(client))

    assert response.status_code == 302
    assert response.url == "/en/contact/"
    assert SENDER in text(find(parse(client.get(response.url)), "ul", "messages"))
    assert mail.outbox == []  # written to the outbox, sent by the worker

    run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == ["claire@team.example", "lucia@team.example"]
    for member in team:
        (email,) = sent_to(member.email)
        assert email.reply_to == [SENDER]
        assert tr(ContactTopic.PERSONAL_DATA.label, member.language) in email.subject
        assert "My profile" in email.subject and "Amina Diallo" in email.subject
        assert "Please remove my old city from my profile." in email.body
        assert SENDER in email.body
        answer = "To answer, reply to this email: your reply goes to the address above."
        assert tr(answer, member.language) in email.body
        assert email.from_email == settings.DEFAULT_FROM_EMAIL
        assert email.alternatives == []  # plain text only


def test_the_contact_addresses_setting_chooses_who_receives(client, team, settings, run_tasks):
    claire, lucia = team
    settings.CONTACT_EMAILS = ["contact@team.example", lucia.email]

    client.post("/fr/contact/", contact_data(client, "fr"))
    run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == ["contact@team.example", lucia.email]
    # An address that is no member's gets the site's language; a member's, their own.
    (general,) = sent_to("contact@team.example")
    assert tr(ContactTopic.PERSONAL_DATA.label, "fr") in general.subject
    (spanish,) = sent_to(lucia.email)
    assert tr(ContactTopic.PERSONAL_DATA.label, "es") in spanish.subject


def test_a_logged_in_member_finds_the_form_filled_in_and_the_team_gets_their_profile(
    client, team, run_tasks
):
    member = verify(MemberFactory(name="Amina Diallo", email=SENDER))
    client.force_login(member)

    data = form_values(client.get("/en/contact/"), "contact-form")

    assert (data["name"], data["email"]) == ("Amina Diallo", SENDER)
    data.update(topic=ContactTopic.ACCOUNT, message="How do I change my address?")
    assert client.post("/en/contact/", data).status_code == 302
    run_tasks()
    (email,) = sent_to("claire@team.example")
    assert f"/fr/network/members/{member.slug}/" in email.body


def test_a_filled_in_trap_field_is_answered_as_sent_and_sends_nothing(client, team, run_tasks):
    data = contact_data(client, website="https://cheap-pills.example")

    response = client.post("/en/contact/", data)

    assert response.status_code == 302
    assert response.url == "/en/contact/"
    assert not OutgoingEmail.objects.exists()
    run_tasks()
    assert mail.outbox == []


def test_the_contact_form_is_rate_limited_per_address(client, team, run_tasks):
    limit = min(rate.amount for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS["contact"]))
    assert settings.ACCOUNT_RATE_LIMITS["contact"] == "5/h/ip,20/d/ip"
    for number in range(limit):
        data = contact_data(client, message=f"Message {number}")
        assert client.post("/en/contact/", data).status_code == 302
    queued = OutgoingEmail.objects.count()

    response = client.post("/en/contact/", contact_data(client, message="One too many"))

    assert response.status_code == 429
    page = parse(response)
    assert tr(
        "You have sent many messages in a short while: this one was not sent. "
        "Please try again later (it is still below).",
        "en",
    ) in text(find(page, "form", id="contact-form"))
    assert text(find(page, "textarea", id="id_message")) == "One too many"
    assert OutgoingEmail.objects.count() == queued == limit * len(team)
    run_tasks()
    assert len(mail.outbox) == limit * len(team)
    # Someone at another address is not held back.
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert other.post("/en/contact/", contact_data(other)).status_code == 302


def test_the_same_form_sent_twice_writes_once(client, team, run_tasks):
    data = contact_data(client)

    first = client.post("/en/contact/", data)
    second = client.post("/en/contact/", data)

    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["claire@team.example", "lucia@team.example"]


def test_line_breaks_in_the_name_or_subject_add_no_header(client, team, run_tasks):
    data = contact_data(
        client,
        name="Eve\r\nBcc: victim@example.net",
        subject="Hello\nBcc: other@example.net\r\nX-Injected: yes",
    )

    assert client.post("/en/contact/", data).status_code == 302
    run_tasks()

    for email in mail.outbox:
        assert email.bcc == [] and email.cc == []
        assert email.recipients() == email.to
        parsed = message_from_bytes(email.message().as_bytes())
        assert parsed.get_all("Bcc") is None
        assert parsed.get_all("X-Injected") is None
        assert "\n" not in email.subject and "\r" not in email.subject
        assert "Eve Bcc: victim@example.net" in email.subject
        assert parsed["Reply-To"] == SENDER


def test_an_address_with_a_line_break_is_refused(client, team, run_tasks):
    data = contact_data(client, email="amina@example.org\nBcc: victim@example.net")

    response = client.post("/en/contact/", data)

    assert response.status_code == 400
    assert find(parse(response), "ul", "errorlist")
    run_tasks()
    assert mail.outbox == []


def test_markup_in_a_message_stays_text(client, team, run_tasks):
    script = '<script>alert("x")</script> <b onmouseover=alert(1)>bold</b> & co'
    data = contact_data(client, message=script)

    assert client.post("/en/contact/", data).status_code == 302
    run_tasks()

    for email in mail.outbox:
        assert email.alternatives == []  # no HTML part for it to run in
        assert email.content_subtype == "plain"
        assert script in email.body
    # Shown again on the page (a refused message), it is escaped.
    refused = client.post("/en/contact/", contact_data(client, message=script, email="x"))
    assert refused.status_code == 400
    assert "<script>alert" not in refused.content.decode()
    assert text(find(parse(refused), "textarea", id="id_message")) == script


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"name": " \r\n\t"},
        {"email": "not an address"},
        {"topic": "lottery"},
        {"topic": ""},
        {"message": ""},
        {"message": "  \n  "},
        {"message": "x" * 5001},
        {"subject": "s" * 151},
    ],
)
def test_bad_input_is_400_with_the_fields_marked_and_nothing_sent(client, team, run_tasks, changes):
    response = client.post("/en/contact/", contact_data(client, **changes))

    assert response.status_code == 400
    page = parse(response)
    assert find(page, "ul", "errorlist")
    assert find(page, "div", "form-errors")
    assert not OutgoingEmail.objects.exists()
    run_tasks()
    assert mail.outbox == []


def test_with_nobody_to_write_to_the_message_is_kept_on_the_page(client, settings):
    settings.CONTACT_EMAILS = []

    response = client.post("/en/contact/", contact_data(client))

    assert response.status_code == 503
    page = parse(response)
    assert tr("The message could not be sent. Please try again later.", "en") in text(page)
    assert "Please remove my old city" in text(find(page, "textarea", id="id_message"))


def test_only_get_and_post(client):
    assert client.put("/en/contact/").status_code == 405


# --- the pages that said "contact us" now link the contact page ----------------------------


@pytest.mark.parametrize(
    "path", ["/en/accounts/confirm-email/", "/en/accounts/password/reset/done/"]
)
def test_account_pages_that_say_contact_us_link_the_contact_page(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "/en/contact/" in hrefs(parse(response))


def test_the_page_asking_to_verify_the_address_links_the_contact_page(rf):
    with translation.override("es"):
        request = rf.get("/es/")
        request.user = AnonymousUser()
        markup = render_to_string("account/verified_email_required.html", request=request)

    assert 'href="/es/contact/"' in markup
