"""The portal on a 375 px phone screen, in a real Chromium: the first project of the list on
the first screen, the menu that opens without JavaScript, tables that scroll in their own
box, post actions big enough to touch, a print without the site's chrome, the icon; and not
one Content-Security-Policy violation on the way."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from forums import services
from forums.models import Forum
from tests.factories import EventFactory, verified_member
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}
SECTIONS = ["Projects", "M4D Net", "Discussions", "Blogs", "News"]

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits and the home page live in the cache table, which a transactional test
    does not empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def phone(browser):
    """A page on a phone's screen, whose CSP violations are recorded; ``phone.open(url)``
    also fails on any violation so far."""
    contexts = []

    def new_page(*, javascript=True, viewport=PHONE):
        context = browser.new_context(
            locale="fr-FR", viewport=viewport, java_script_enabled=javascript
        )
        context.add_init_script(RECORD_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield new_page
    for context in contexts:
        context.close()


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations || []")


def log_in(context, live_server, member) -> None:
    """The browser gets a session of ``member`` (logged in by Django's test client)."""
    client = Client()
    client.force_login(member)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_the_first_project_is_on_the_first_screen(live_server, seed, phone):
    page = phone()
    page.goto(f"{live_server.url}/fr/projects/")

    first = page.locator(".project-card h3").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    # The filters wait folded above it.
    filters = page.locator(".filters-disclosure")
    expect(filters.locator("summary")).to_have_text(tr("Filter"))
    expect(page.get_by_label(tr("Country"), exact=True)).to_be_hidden()
    assert violations(page) == []


def test_the_folded_filters_say_how_many_are_active_and_open(live_server, seed, phone):
    page = phone(javascript=False)
    page.goto(f"{live_server.url}/fr/projects/?country=MA&theme=agriculture")

    summary = page.locator(".filters-disclosure summary")
    expect(summary).to_contain_text(re.compile(r"\b2\b"))
    expect(page.locator(".project-card h3").first).to_be_in_viewport()

    summary.click()
    country = page.get_by_label(tr("Country"), exact=True)
    expect(country).to_be_visible()
    expect(country.locator("[aria-current=true]")).to_contain_text("Maroc")


def test_the_menu_opens_without_javascript_and_shows_every_section(live_server, db, phone):
    page = phone(javascript=False)
    page.goto(f"{live_server.url}/en/")
    header = page.locator(".site-header")
    sections = [header.get_by_role("link", name=name, exact=True) for name in SECTIONS]
    for link in sections:
        expect(link).to_be_hidden()
    # Joining and logging in stay at hand.
    expect(header.get_by_role("link", name="Join M4D Net")).to_be_visible()
    expect(header.get_by_role("link", name="Log in")).to_be_visible()

    header.get_by_text("Menu", exact=True).click()

    for link in sections:
        expect(link).to_be_visible()
    sections[3].click()
    expect(page).to_have_url(re.compile(r"/en/blog/$"))
    # The menu is folded again on the new page, with the section being read marked.
    expect(page.locator('.site-menu a[aria-current="page"]')).to_have_text("Blogs")


def test_on_a_wide_screen_the_sections_show_without_opening_anything(live_server, db, phone):
    page = phone(javascript=False, viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/en/")

    expect(page.locator(".site-menu summary")).to_be_hidden()
    for name in SECTIONS:
        expect(
            page.locator(".site-header").get_by_role("link", name=name, exact=True)
        ).to_be_visible()
    page.goto(f"{live_server.url}/en/projects/")
    expect(page.get_by_label("Country", exact=True)).to_be_visible()  # the filters beside the list


@pytest.mark.parametrize("width", [375, 320])
def test_the_networks_resources_fit_a_phone_without_scrolling_sideways(
    live_server, seed, phone, width
):
    """The library, the calendar (whose time-zone choice holds long names) and the courses:
    no page wider than the screen, with JavaScript off as on a slow phone."""
    event = EventFactory(time_zone="America/Argentina/Buenos_Aires")
    page = phone(javascript=False, viewport={"width": width, "height": 667})
    for path in [
        "/fr/library/",
        "/fr/events/",
        event.get_absolute_url(),
        "/fr/learning/",
        "/fr/learning/migration-local-development/",
        "/fr/learning/migration-local-development/lessons/jmdi-at-a-glance/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert page_width[0] <= page_width[1], (path, page_width)


@pytest.mark.parametrize("width", [375, 320])
def test_statistics_tables_scroll_in_their_own_box_not_the_page(live_server, seed, phone, width):
    page = phone(viewport={"width": width, "height": 667})
    page.goto(f"{live_server.url}/es/statistics/")

    expect(page.locator("table.chart").first).to_be_visible()
    page_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert page_width[0] <= page_width[1], page_width
    for table in page.locator("main table").all():
        assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
        assert table.evaluate("t => t.getBoundingClientRect().right") <= width
    assert violations(page) == []


def test_post_actions_are_at_least_24_px_tall(live_server, phone):
    author = verified_member(name="Amina Diallo")
    reader = verified_member(name="Bakary Traoré")
    topic = services.start_topic(
        author=author,
        forum=Forum.objects.create(name="Diaspora", slug="diaspora"),
        title="Les transferts de fonds à Kolda",
        body="Que financent les migrants ?",
    )
    services.reply(author=reader, topic=topic, body="Des puits et des écoles.")
    page = phone()
    log_in(page.context, live_server, reader)
    page.goto(f"{live_server.url}{topic.get_absolute_url()}")

    actions = page.locator(".post-actions a, .post-actions button")
    names = [action.inner_text() for action in actions.all()]
    assert tr("Quote") in names and tr("Edit") in names and tr("Flag") in names, names
    for action in actions.all():
        box = action.bounding_box()
        assert box["height"] >= 24, (action.inner_text(), box)
    assert violations(page) == []


def test_printing_drops_the_header_and_footer_and_shows_where_links_go(live_server, seed, phone):
    page = phone()
    page.goto(f"{live_server.url}/fr/projects/")
    page.emulate_media(media="print")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".filters-disclosure")).to_be_hidden()
    link = page.locator(".project-card h3 a").first
    href = link.get_attribute("href")
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert href in after, after


def test_the_site_has_an_icon_and_no_page_asks_for_one_in_vain(live_server, db, phone):
    page = phone()
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_load_state("networkidle")

    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert missing == []
    assert violations(page) == []


def test_a_members_home_and_menu_on_a_phone(live_server, phone):
    call_command("load_seed", verbosity=0)
    member = verified_member(name="Amina Diallo")
    page = phone(javascript=False)
    log_in(page.context, live_server, member)
    page.goto(f"{live_server.url}/en/")

    header = page.locator(".site-header")
    expect(header.get_by_role("button", name="Log out")).to_be_visible()
    header.get_by_text("Menu", exact=True).click()
    for name in ["My profile", "My organisations", "Following"]:
        expect(header.get_by_role("link", name=name)).to_be_visible()
    expect(page.locator("main").get_by_role("link", name="Join M4D Net")).to_have_count(0)
    expect(page.get_by_role("heading", name="New in the topics you follow")).to_be_visible()
