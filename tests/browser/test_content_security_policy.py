"""The Content-Security-Policy in a real Chromium: every page a visitor, a member and staff
use, with everything it loads, runs under the policy without a single violation (the
browser's ``securitypolicyviolation`` events, recorded from before the page's first byte).
"""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from forums import services
from forums.models import Forum
from projects.models import Project
from tests.factories import StaffFactory, verified_member
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # MemberFactory's

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push({
    page: location.pathname,
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
"""


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def watched(browser):
    """A page whose CSP violations are collected, across navigations."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []

    def visit(url: str):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        collect()

    def collect():
        violations.extend(page.evaluate("window.cspViolations || []"))

    page.visit = visit
    page.collect = collect
    page.violations = violations
    yield page
    context.close()


def label(message: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(tr(message))}[\s\u00a0\u202f]*:?$")


def test_no_page_breaks_the_policy(live_server, watched):
    call_command("load_seed", verbosity=0)
    site = live_server.url
    project = Project.objects.published().order_by("pk").first()
    member = verified_member(name="Amina Diallo")
    topic = services.start_topic(
        author=member,
        forum=Forum.objects.order_by("pk").first(),
        title="Les transferts de fonds à Kolda",
        body="Que financent les **migrants** chez vous ?",
        project=project,
    )
    staff = StaffFactory()

    # A visitor: home, a project, the statistics (bars sized by a nonce'd style block).
    watched.visit(f"{site}/fr/")
    response = watched.request.get(f"{site}/fr/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    watched.visit(f"{site}{project.get_absolute_url()}")
    watched.visit(f"{site}/fr/statistics/")
    bar_width = watched.locator(".bar").first.evaluate("bar => bar.getBoundingClientRect().width")
    assert bar_width > 50  # the widest bar is drawn at full length: the style block applied

    # A member previews a reply in a topic.
    watched.visit(f"{site}/fr/accounts/login/")
    watched.get_by_label(label("Email")).fill(member.email)
    watched.get_by_label(label("Password")).fill(PASSWORD)
    watched.locator("main").get_by_role("button", name=tr("Log in")).click()
    expect(watched).not_to_have_url(re.compile(r"/accounts/login/"))
    watched.visit(f"{site}{topic.get_absolute_url()}")
    watched.get_by_label(label("Your reply")).fill(
        "Un **aperçu** avec [un lien](https://example.org)."
    )
    watched.get_by_role("button", name=tr("Preview")).click()
    expect(watched.locator(".preview strong")).to_have_text("aperçu")
    watched.collect()

    # Staff edit a project in the admin (translation tabs, autocompletes, inlines).
    watched.context.clear_cookies()
    watched.visit(f"{site}/admin/login/")
    watched.locator("#id_username").fill(staff.email)
    watched.locator("#id_password").fill(PASSWORD)
    watched.locator("input[type=submit]").click()
    watched.visit(f"{site}/admin/projects/project/{project.pk}/change/")
    expect(watched.locator("#project_form")).to_be_visible()
    watched.locator(".select2-selection").first.click()  # an autocomplete opens
    watched.wait_for_load_state("networkidle")
    watched.collect()

    # The API's documentation, and its interactive console.
    watched.visit(f"{site}/api/docs/")
    expect(watched.locator(".swagger-ui")).to_be_visible()
    watched.wait_for_load_state("networkidle")
    watched.collect()

    assert watched.violations == []
