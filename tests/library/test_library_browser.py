"""The library in a real Chromium, on a phone-sized screen: a member shares a PDF made here,
whose phrase is nowhere but inside it; staff publish it from the review queue in the admin;
the background worker reads the file's text and indexes it; a visitor then finds the
document by that phrase in the site search and in the library's list."""

import re
import signal

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from library.models import ExtractionStatus, Resource, ReviewStatus
from tests.factories import StaffFactory, ThemeFactory, verified_member
from tests.html import tr
from tests.library.files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # MemberFactory's
TITLE = "Les tontines et l’épargne des migrants à Kolda"
# Only inside the PDF: not in its title, its summary nor its file name.
PHRASE = "greniers communautaires de Médina Yoro Foulah"


def label(message: str) -> re.Pattern:
    """A field's label in French, with or without Django's label suffix (" :")."""
    return re.compile(rf"^\s*{re.escape(tr(message))}[\s\u00a0\u202f]*:?$")


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def run_the_worker() -> None:
    """What the background worker does in production, until nothing is left: extract the
    file's text, index what changed, send the emails. Its signal handlers are put back to
    pytest's afterwards."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _round in range(5):
            if not DBTaskResult.objects.ready().exists():
                break
            call_command("run_worker", batch=True, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    failed = list(DBTaskResult.objects.failed().values_list("task_path", "traceback"))
    assert not failed, f"background tasks failed: {failed}"


def new_page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    return context, opened


def test_a_member_shares_a_pdf_staff_publish_it_a_visitor_finds_it_by_a_phrase_inside(
    live_server, browser, page, tmp_path
):
    ThemeFactory(name="Transferts de fonds", name_en="Remittances")
    amina = verified_member(name="Amina Diallo")
    staff = StaffFactory(name="Équipe ICMD")
    report = tmp_path / "rapport-kolda.pdf"
    pages = [f"Page {number} : le programme et ses partenaires." for number in range(1, 12)]
    report.write_bytes(pdf_bytes([*pages, f"Les {PHRASE} gardent les récoltes."]))

    # Amina logs in and shares the report from the library.
    page.goto(f"{live_server.url}/fr/accounts/login/")
    page.get_by_label(label("Email")).fill(amina.email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=tr("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{live_server.url}/fr/library/")
    page.locator("main").get_by_role("link", name=tr("Share a resource")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Share a resource"))
    form = page.locator("#share-resource-form")
    form.get_by_label(label("Title")).fill(TITLE)
    form.get_by_label(label("Summary")).fill("Une étude de cas sur les tontines au Sénégal.")
    form.get_by_label(label("Type")).select_option("case_study")
    form.get_by_label(label("File"), exact=True).set_input_files(str(report))
    form.get_by_label(label("Language of the file")).select_option("fr")
    form.get_by_role("button", name=tr("Send for review")).click()
    expect(page).to_have_url(re.compile(r"/fr/library/share/mine/"))
    expect(page.locator("main")).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text(tr("Waiting for review"))
    resource = Resource.objects.get(title=TITLE)
    assert resource.status == ReviewStatus.PENDING and resource.shared_by == amina

    # The worker reads the file meanwhile; nobody finds it before staff publish it.
    run_the_worker()
    assert resource.files.get().extraction == ExtractionStatus.DONE
    visitor_context, visitor = new_page(browser)
    visitor.goto(f"{live_server.url}/fr/search/?q={PHRASE}")
    expect(visitor.locator(".search-result")).to_have_count(0)

    # Staff publish it from the review queue in the admin.
    staff_context, admin = new_page(browser)
    admin.goto(f"{live_server.url}/admin/library/resourcesubmission/")
    admin.locator("input[name=username]").fill(staff.email)
    admin.locator("input[name=password]").fill(PASSWORD)
    admin.locator("input[type=submit]").click()
    admin.get_by_role("link", name=TITLE).click()
    admin.locator("#publish-resource-form").get_by_role("button", name=tr("Publish")).click()
    expect(admin.locator(".messagelist")).to_be_visible()
    staff_context.close()
    resource.refresh_from_db()
    assert resource.status == ReviewStatus.PUBLISHED

    # The worker indexes it, and tells Amina.
    run_the_worker()
    assert [message.to for message in mail.outbox] == [[amina.email]]

    # A visitor types the phrase in the site's search box: the report, under "Library".
    visitor.goto(f"{live_server.url}/fr/")
    visitor.get_by_label(tr("Search the site")).first.fill(PHRASE)
    visitor.get_by_label(tr("Search the site")).first.press("Enter")
    section = visitor.locator("section.search-section", has_text=tr("Library"))
    result = section.locator(".search-result")
    expect(result).to_have_count(1)
    expect(result.locator("h3")).to_have_text(TITLE)
    expect(result.locator(".snippet mark").first).to_be_visible()
    result.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.locator("main")).to_contain_text("Amina Diallo")

    # …and in the library's own list, searching its words.
    visitor.goto(f"{live_server.url}/fr/library/?q={PHRASE}")
    expect(visitor.locator(".resource-card h3")).to_have_text([TITLE])
    visitor_context.close()
