"""Every email of M4D Net is written in its recipient's language (``Member.language``),
whatever the language of the page or of the person whose action sent it: sign-up and
password emails, staff and representatives' decisions, messages between members. The
language is chosen at sign-up (the page's by default) and changed on the profile.

Content words are checked against the real translations (locale/, allauth's), and links
against their language prefix (``/en/…``, ``/es/…``)."""

import json
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client

from common.mail import PersonalParts, render_templated_email, send_templated_email
from network import services
from network.models import Member, MembershipStatus, Visibility
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, StaffFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # MemberFactory's
NEW_PASSWORD = "Baobab-sous-la-pluie-2031"
CLAIMS = "/admin/network/representativeclaim/"


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def paths_in(message) -> list[str]:
    """The paths of the site's links in an email's body."""
    return [urlsplit(link).path for link in re.findall(r"https?://\S+", message.body)]


def in_french_browser(member=None) -> Client:
    """A browser set to French: the admin (not language-prefixed) answers in French."""
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    if member is not None:
        client.force_login(member)
    return client


def person(language: str, **fields) -> Member:
    return verify(MemberFactory(language=language, **fields))


# --- Choosing the language -----------------------------------------------------------------


def signup_data(client, page_language: str, **values) -> dict:
    response = client.get(f"/{page_language}/accounts/signup/")
    data = form_values(response, "signup-form")
    data.update(
        email="amina.diallo@example.org",
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
        name="Amina Diallo",
        country="SN",
        join_as="individual",
        accept_terms="on",
    )
    data.update(values)
    return data


@pytest.mark.parametrize("language", ["fr", "en", "es"])
def test_sign_up_form_offers_the_language_for_emails_set_to_the_page(client, language):
    page = parse(client.get(f"/{language}/accounts/signup/"))
    select = find(page, "select", name="language")
    label = find(page, "label", **{"for": select.attrs["id"]})
    assert text(label) == tr("Language for emails", language)
    options = {option.attrs["value"]: option for option in find_all(select, "option")}
    assert set(options) == {"fr", "en", "es"}
    assert [code for code, option in options.items() if "selected" in option.attrs] == [language]
    # Each language is named in itself.
    assert [text(option) for option in options.values()] == ["Français", "English", "Español"]


def test_sign_up_on_the_spanish_page_writes_in_spanish(client, run_tasks):
    response = client.post("/es/accounts/signup/", signup_data(client, "es"))

    assert response.status_code == 302
    member = Member.objects.get(email="amina.diallo@example.org")
    assert member.language == "es"
    run_tasks()
    (message,) = mail.outbox
    subject = tr("Please Confirm Your Email Address", "es")
    assert subject != tr("Please Confirm Your Email Address", "fr")
    assert message.subject == f"[M4D Net] {subject}"
    assert tr("Hello from %(site_name)s!", "es") % {"site_name": "M4D Net"} in message.body
    (link,) = paths_in(message)
    assert link.startswith("/es/accounts/confirm-email/")
    # The link confirms the address.
    client.get(link)
    assert EmailAddress.objects.get(user=member).verified


def test_the_language_chosen_at_sign_up_wins_over_the_page(client, run_tasks):
    client.post("/fr/accounts/signup/", signup_data(client, "fr", language="en"))

    assert Member.objects.get(email="amina.diallo@example.org").language == "en"
    run_tasks()
    (message,) = mail.outbox
    assert message.subject == "[M4D Net] Please Confirm Your Email Address"
    assert paths_in(message)[0].startswith("/en/accounts/confirm-email/")


def test_sign_up_posted_without_a_language_takes_the_pages(client):
    data = signup_data(client, "en")
    del data["language"]
    client.post("/en/accounts/signup/", data)
    assert Member.objects.get(email="amina.diallo@example.org").language == "en"


def test_sign_up_with_an_unknown_language_is_refused(client, run_tasks):
    response = client.post("/fr/accounts/signup/", signup_data(client, "fr", language="de"))
    assert response.status_code == 200  # allauth shows the form again with the error
    assert "errorlist" in response.content.decode()
    assert not Member.objects.exists()
    run_tasks()
    assert mail.outbox == []


def test_the_language_is_edited_on_the_profile(client):
    member = person("fr", name="Aminata Diallo", country="SN")
    client.force_login(member)
    page = client.get("/fr/network/me/edit/")
    data = form_values(page, "profile-form")
    assert data["language"] == "fr"
    assert text(find(parse(page), "label", **{"for": "id_language"})) == tr("Language for emails")

    data["language"] = "es"
    assert client.post("/fr/network/me/edit/", data).status_code == 302
    member.refresh_from_db()
    assert member.language == "es"
    assert form_values(client.get("/fr/network/me/edit/"), "profile-form")["language"] == "es"

    data["language"] = "xx"
    response = client.post("/fr/network/me/edit/", data)
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.language == "es"


def test_the_language_is_in_the_data_export(client):
    member = person("es")
    client.force_login(member)
    data = json.loads(client.get("/en/network/me/export/").content)
    assert data["language"] == {"value": "es", "label": "Spanish"}


# --- Account emails (allauth) --------------------------------------------------------------


def test_password_reset_asked_on_a_french_page_is_in_the_members_language(client, run_tasks):
    member = person("en", email="known@example.org")

    client.post("/fr/accounts/password/reset/", {"email": "known@example.org"})

    run_tasks()
    (message,) = mail.outbox
    assert message.subject == "[M4D Net] Password Reset Email"
    assert tr("Password Reset Email", "fr") not in message.subject
    assert "Hello from M4D Net!" in message.body
    (link,) = paths_in(message)
    assert link.startswith("/en/accounts/password/reset/key/")
    # The link works: it leads to the form for the new password, in English.
    response = client.get(link, follow=True)
    data = form_values(response, "password-reset-key-form")
    assert find(parse(response), "html").attrs["lang"] == "en"
    data.update(password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    assert client.post(response.redirect_chain[-1][0], data).status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_an_address_of_the_member_other_than_the_main_one_finds_their_language(client, run_tasks):
    member = person("es", email="main@example.org")
    EmailAddress.objects.create(user=member, email="other@example.org", verified=True)

    client.post("/fr/accounts/password/reset/", {"email": "Other@Example.org"})

    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["other@example.org"]
    assert tr("Password Reset Email", "es") in message.subject
    assert paths_in(message)[0].startswith("/es/accounts/password/reset/key/")


def test_an_unknown_address_is_answered_in_the_pages_language(client, run_tasks):
    client.post("/es/accounts/password/reset/", {"email": "nobody@example.org"})

    run_tasks()
    (message,) = mail.outbox
    assert tr("Unknown Account", "es") in message.subject
    assert tr("Unknown Account", "es") != "Unknown Account"
    assert paths_in(message) == ["/es/accounts/signup/"]


def test_account_notifications_are_in_the_members_language(client, run_tasks):
    member = person("es")
    client.force_login(member)

    response = client.post(
        "/fr/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    run_tasks()
    (message,) = mail.outbox
    assert tr("Password Changed", "es") in message.subject
    assert tr("Password Changed", "es") != tr("Password Changed", "fr")


# --- Decisions on organisations and memberships --------------------------------------------


@pytest.fixture
def organisation():
    organisation = OrganisationFactory(
        name_fr="Association des migrants de Kayes",
        name_en="Kayes Migrants' Association",
        name_es="Asociación de Migrantes de Kayes",
        slug="amk",
    )
    ProjectFactory(slug="kayes", partners=[organisation])
    return organisation


def organisation_name(organisation, language: str) -> str:
    return getattr(organisation, f"name_{language}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_claim_approved_in_the_french_admin_is_told_in_the_members_language(
    organisation, language, run_tasks
):
    claimant = person(language)
    claim = services.claim_organisation(member=claimant, organisation=organisation)
    staff = in_french_browser(StaffFactory())

    response = staff.post(
        CLAIMS, {"action": "approve_claims", "_selected_action": [claim.pk], "index": 0}
    )
    run_tasks()

    assert response.status_code == 302
    # The admin itself answered in French…
    assert find(parse(staff.get(CLAIMS)), "html").attrs["lang"] == "fr"
    # …and the email is in the member's language.
    (message,) = mail.outbox
    name = organisation_name(organisation, language)
    assert message.subject == tr("%(name)s is verified on M4D Net", language) % {"name": name}
    assert message.subject != tr("%(name)s is verified on M4D Net", "fr") % {
        "name": organisation.name_fr
    }
    assert tr("The M4D Net team", language) in message.body
    assert paths_in(message) == [f"/{language}/organisations/amk/"]
    assert message.extra_headers["Content-Language"] == language


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_claim_rejected_in_the_french_admin_is_told_in_the_members_language(
    organisation, language, run_tasks
):
    claim = services.claim_organisation(member=person(language), organisation=organisation)
    staff = in_french_browser(StaffFactory())
    selected = {"action": "reject_claims", "_selected_action": [claim.pk]}
    data = form_values(staff.post(CLAIMS, {**selected, "index": 0}), "reject-form")

    staff.post(CLAIMS, {**data, "reason": "Numéro injoignable."})
    run_tasks()

    claim.refresh_from_db()
    assert claim.status == MembershipStatus.REJECTED
    (message,) = mail.outbox
    name = organisation_name(organisation, language)
    assert message.subject == tr("Your request for %(name)s on M4D Net", language) % {"name": name}
    assert tr("Hello %(name)s,", language) % {"name": claim.member.name} in message.body
    assert "Numéro injoignable." in message.body


@pytest.fixture
def representative(organisation, run_tasks):
    rep = person("fr", name="Awa Representative")
    services.approve_claim(
        membership=services.claim_organisation(member=rep, organisation=organisation),
        staff=StaffFactory(),
    )
    run_tasks()
    mail.outbox.clear()
    return rep


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_representative_approves_on_a_french_page_in_the_members_language(
    organisation, representative, language, run_tasks
):
    membership = services.request_membership(member=person(language), organisation=organisation)
    run_tasks()
    mail.outbox.clear()  # the representative's, about the request
    rep = in_french_browser(representative)
    manage_url = "/fr/network/organisations/amk/members/"
    data = form_values(rep.get(manage_url), f"approve-{membership.pk}")

    response = rep.post(manage_url, data)
    run_tasks()

    assert response.status_code == 302
    (message,) = mail.outbox
    name = organisation_name(organisation, language)
    expected = tr("You are now a member of %(name)s on M4D Net", language) % {"name": name}
    assert message.subject == expected
    assert paths_in(message) == [f"/{language}/organisations/amk/"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_representative_removes_on_a_french_page_in_the_members_language(
    organisation, representative, language, run_tasks
):
    membership = services.request_membership(member=person(language), organisation=organisation)
    services.approve_member(membership=membership, representative=representative)
    run_tasks()
    mail.outbox.clear()
    rep = in_french_browser(representative)
    manage_url = "/fr/network/organisations/amk/members/"
    data = form_values(rep.get(manage_url), f"remove-{membership.pk}")
    data["reason"] = "Inconnu de notre bureau."

    rep.post(manage_url, data)
    run_tasks()

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REJECTED
    (message,) = mail.outbox
    name = organisation_name(organisation, language)
    expected = tr("Your membership of %(name)s on M4D Net", language) % {"name": name}
    assert message.subject == expected
    assert tr("The reason they gave:", language) in message.body
    assert tr("The reason they gave:", language) != tr("The reason they gave:", "fr")
    assert "Inconnu de notre bureau." in message.body


def test_a_decision_made_without_a_request_links_to_the_site(organisation, settings, run_tasks):
    settings.SITE_URL = "https://portal.example.org"
    claim = services.claim_organisation(member=person("es"), organisation=organisation)

    services.approve_claim(membership=claim, staff=StaffFactory())
    run_tasks()

    (message,) = mail.outbox
    assert "https://portal.example.org/es/organisations/amk/" in message.body


# --- Messages between members --------------------------------------------------------------


def test_a_message_written_on_a_french_page_reaches_a_spanish_member_in_spanish(run_tasks):
    recipient = person("es", name="Lucía Gómez", visibility=Visibility.EVERYONE)
    sender = person("fr", name="Awa Diop", visibility=Visibility.EVERYONE)
    browser = in_french_browser(sender)

    response = browser.post(
        f"/fr/network/members/{recipient.slug}/contact/",
        {"subject": "Collaboration", "message": "Bonjour, travaillons ensemble."},
    )

    assert response.status_code == 302
    # The sender is answered in French…
    messages = text(find(parse(browser.get(response.url)), "ul", "messages"))
    assert messages == tr(
        "Your message was sent to %(name)s. Their reply will come to your email address."
    ) % {"name": "Lucía Gómez"}
    # …the recipient reads Spanish, with a Spanish link to the sender's profile.
    run_tasks()
    (message,) = mail.outbox
    assert message.subject == tr("%(name)s via M4D Net: %(subject)s", "es") % {
        "name": "Awa Diop",
        "subject": "Collaboration",
    }
    assert tr("Their profile:", "es") in message.body
    assert tr("Their profile:", "fr") not in message.body
    assert paths_in(message) == [f"/es/network/members/{sender.slug}/"]
    assert "Bonjour, travaillons ensemble." in message.body


# --- The mail helper -----------------------------------------------------------------------


def test_an_email_to_addresses_must_say_its_language(run_tasks):
    with pytest.raises(TypeError):
        send_templated_email("network/email/contact_message", ["a@example.org"], {})
    run_tasks()
    assert mail.outbox == []


def test_personal_parts_are_filled_in_per_person_and_cannot_be_forged():
    sender = MemberFactory(name="Awa Diop")
    personal = PersonalParts("recipient_name", "unsubscribe_url")
    context = {
        "sender": sender,
        "sender_url": "",
        "recipient": {"display_name": personal.placeholders["recipient_name"]},
        "subject": "[[recipient_name]]",
        "message": "Written by someone: [[recipient_name:0000]]",
    }
    shared = render_templated_email("network/email/contact_message", context, language="es")
    filled = personal.fill(shared, {"recipient_name": "Lucía", "unsubscribe_url": "x"})

    assert tr("Hello %(name)s,", "es") % {"name": "Lucía"} in filled.body
    assert "[[recipient_name]]" in filled.subject  # a member's text stays as written
    assert "[[recipient_name:0000]]" in filled.body
    with pytest.raises(ValueError):
        personal.fill(shared, {"recipient_name": "Lucía"})
