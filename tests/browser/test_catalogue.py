"""A visitor browses the catalogue in a real Chromium, on a phone-sized screen."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_by_country_open_a_project_and_follow_a_partner(live_server, seed, page):
    page.goto(f"{live_server.url}/fr/projects/")
    expect(page.locator(".totals")).to_contain_text("16 projets")

    page.locator("summary", has_text="Filtrer").click()  # folded on a phone's screen
    # The countries of the projects, with their counts: one follows a link, no JavaScript.
    countries = page.get_by_role("group", name="Pays")
    expect(countries).to_contain_text("Maroc")
    countries.get_by_role("link", name="Maroc").click()

    expect(page).to_have_url(re.compile(r"country=MA"))
    expect(page.locator(".totals")).to_contain_text("2 projets")
    expect(page.locator(".active-filters")).to_contain_text("Maroc")
    titles = page.locator(".project-card h3")
    expect(titles).to_have_count(2)

    page.get_by_role("link", name=re.compile("Préserver la palmeraie de Figuig")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("palmeraie de Figuig")
    expect(page.locator(".facts")).to_contain_text("230\u00a0000\u00a0US$")

    page.locator(".partners").get_by_role(
        "link", name="Association Migration & Développement"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Association Migration & Développement"
    )
    # The organisation's two projects, in their two roles.
    expect(page.locator(".partners li")).to_have_count(2)
    expect(page.locator(".partners")).to_contain_text("Connecter les territoires")


def test_remove_an_active_filter(live_server, seed, page):
    page.goto(f"{live_server.url}/fr/projects/?country=MA&theme=agriculture")
    expect(page.locator(".totals")).to_contain_text("1 projet")
    page.get_by_role("link", name=re.compile("Retirer le filtre Thème")).click()
    expect(page).not_to_have_url(re.compile("theme="))
    expect(page).to_have_url(re.compile("country=MA"))
    expect(page.locator(".totals")).to_contain_text("2 projets")
