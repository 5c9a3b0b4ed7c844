"""A newcomer joins M4D Net in French in a real Chromium, on a phone-sized screen: the
sign-up form, the verification email's link, their profile, editing it, and finding
themselves in the members directory."""

import re
import signal

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from network.models import Member
from tests.factories import ThemeFactory
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "amina.diallo@example.org"
PASSWORD = "Baobab-sous-la-pluie-2031"


def label(message: str) -> re.Pattern:
    """A field's label in French, with or without Django's label suffix (" :")."""
    return re.compile(rf"^\s*{re.escape(tr(message))}[\s\u00a0\u202f]*:?$")


def run_the_worker() -> None:
    """What the background worker does in production: send the emails waiting in the
    outbox (the verification link is written there with the account). Its signal handlers
    are put back to pytest's afterwards."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("run_worker", batch=True, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


def test_join_as_an_individual_verify_edit_the_profile_and_find_yourself(live_server, page):
    ThemeFactory(name="Transferts de fonds", name_en="Remittances")
    ThemeFactory(name="Agriculture", name_en="Agriculture")
    ThemeFactory(name="Développement local", name_en="Local development")

    # From any page, "Join M4D Net".
    page.goto(f"{live_server.url}/fr/")
    page.locator(".site-header").get_by_role("link", name=tr("Join M4D Net")).click()
    expect(page).to_have_url(re.compile(r"/fr/accounts/signup/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Join M4D Net"))

    # Only the chosen way of joining shows its organisation fields (no JavaScript needed).
    organisation = page.get_by_label(tr("Organisation in the catalogue"))
    new_name = page.get_by_label(tr("Name of the new organisation"))
    expect(organisation).to_be_hidden()
    expect(new_name).to_be_hidden()
    page.get_by_label(tr("I represent an organisation already in the catalogue")).check()
    expect(organisation).to_be_visible()
    expect(new_name).to_be_hidden()
    page.get_by_label(tr("I represent an organisation that is not listed yet")).check()
    expect(new_name).to_be_visible()
    expect(organisation).to_be_hidden()
    page.get_by_label(tr("As an individual")).check()
    expect(new_name).to_be_hidden()

    # The account, then the profile.
    page.get_by_label(tr("Email"), exact=True).fill(EMAIL)
    page.get_by_label(tr("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(tr("Password (again)"), exact=True).fill(PASSWORD)
    page.get_by_label(tr("Name"), exact=True).fill("Amina Diallo")
    page.get_by_label(tr("Country"), exact=True).select_option(label="Sénégal")
    page.get_by_label(tr("City"), exact=True).fill("Kolda")
    page.get_by_label(tr("Current affiliation")).fill("Université Gaston Berger")
    page.get_by_label("Transferts de fonds").check()
    page.get_by_label("Développement local").check()
    page.get_by_label(tr("Short bio")).fill(
        "Je travaille sur les transferts de fonds des migrants."
    )
    page.get_by_label(tr("I accept the terms of use")).check()
    page.get_by_role("button", name=tr("Join M4D Net")).click()

    expect(page).to_have_url(re.compile(r"/fr/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Verify Your Email Address"))
    member = Member.objects.get(email=EMAIL)
    assert not member.has_verified_email

    # The email, in French, and its link, once the worker sent it.
    run_the_worker()
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    assert tr("Please Confirm Your Email Address") in message.subject
    (link,) = re.findall(r"https?://\S+/fr/accounts/confirm-email/\S+", message.body)
    page.goto(link)

    # Confirmed, logged in, on their profile.
    expect(page).to_have_url(re.compile(rf"/fr/network/members/{member.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Amina Diallo")
    expect(page.locator(".own-email")).to_have_text(EMAIL)
    expect(page.locator(".expertise li")).to_have_text(
        ["Développement local", "Transferts de fonds"]
    )
    assert Member.objects.get(pk=member.pk).has_verified_email

    # Edit the profile: another city, shown to everyone.
    page.goto(f"{live_server.url}/fr/network/me/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Edit my profile"))
    page.get_by_label(label("City")).fill("Ziguinchor")
    page.get_by_label(label("Everyone")).check()
    page.get_by_role("button", name=tr("Save my profile")).click()
    expect(page).to_have_url(re.compile(rf"/fr/network/members/{member.slug}/$"))
    expect(page.locator(".messages")).to_contain_text(tr("Your profile is saved."))
    expect(page.locator(".member-profile .place")).to_contain_text("Ziguinchor")

    # Find themselves in the members directory.
    page.goto(f"{live_server.url}/fr/network/members/?q=Amina+Diallo")
    cards = page.locator(".member-card")
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("heading")).to_have_text("Amina Diallo")
    expect(cards.first).to_contain_text("Ziguinchor")
    cards.first.get_by_role("link", name="Amina Diallo").click()
    expect(page).to_have_url(re.compile(rf"/fr/network/members/{member.slug}/$"))

    # Log out (a form in the header: POST with CSRF).
    page.locator(".site-header").get_by_role("button", name=tr("Log out")).click()
    expect(page.locator(".site-header").get_by_role("link", name=tr("Log in"))).to_be_visible()
