"""The API's documentation in a real Chromium: accessible in each language (axe-core), and
the interactive console it links to working under the site's Content-Security-Policy, with
no serious accessibility violation either (a few moderate ones of Swagger UI's own markup
remain: heading order, content outside landmarks)."""

import pytest
from playwright.sync_api import expect

from tests.browser import axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADINGS = {"fr": "API des données ouvertes", "en": "Open data API", "es": "API de datos abiertos"}

# Every violation of the page's Content-Security-Policy, as the browser reports it.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.mark.parametrize("language", ["fr", "en", "es"])
def test_the_api_documentation_passes_axe(live_server, seed, page, language):
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.goto(f"{live_server.url}/{language}/open-data/api/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language])
    expect(page.locator("html")).to_have_attribute("lang", language)

    found = axe.violations(page)

    assert not axe.serious(found), axe.report(found)
    assert not found, axe.report(found)  # not even a minor or moderate one
    assert page.evaluate("window.cspViolations") == []


def test_the_interactive_console_works_under_the_content_security_policy(live_server, seed, page):
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.goto(f"{live_server.url}/en/open-data/api/")
    page.get_by_role("link", name="Interactive console").click()

    # Swagger UI ran (from our own files) and read the schema: the endpoints are listed.
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/projects/", exact=True).first).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate("window.cspViolations") == []
    assert not axe.serious(found := axe.violations(page)), axe.report(found)
    # Trying an operation out: its form and the answer.
    page.locator(".opblock-summary-control").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table")).to_be_visible()
    assert not axe.serious(found := axe.violations(page)), axe.report(found)
    assert page.evaluate("window.cspViolations") == []
    # The way back to the documentation, in each language.
    expect(page.get_by_role("link", name="français")).to_have_attribute(
        "href", "/fr/open-data/api/"
    )
