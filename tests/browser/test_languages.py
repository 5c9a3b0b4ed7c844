"""A visitor reads a project in French, then English, then Spanish, in a real Chromium."""

import pytest
from playwright.sync_api import expect

from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory, ThemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "fr": {
        "link": "Français",
        "title": "Préserver la palmeraie de Figuig",
        "objective": "Impliquer la diaspora dans la sauvegarde de l’oasis.",
        "country": "Maroc",
        "partner": "Commune de Figuig",
        "theme": "Agriculture et développement rural",
    },
    "en": {
        "link": "English",
        "title": "Preserving the Figuig palm grove",
        "objective": "Involve the diaspora in safeguarding the oasis.",
        "country": "Morocco",
        "partner": "Municipality of Figuig",
        "theme": "Agriculture and rural development",
    },
    "es": {
        "link": "Español",
        "title": "Preservar el palmeral de Figuig",
        "objective": "Implicar a la diáspora en la salvaguarda del oasis.",
        "country": "Marruecos",
        "partner": "Municipio de Figuig",
        "theme": "Agricultura y desarrollo rural",
    },
}


def translated(key: str, field: str | None = None) -> dict:
    """``title_fr``, ``title_en``, ``title_es`` from the texts of ``PAGES[…][key]``."""
    return {f"{field or key}_{code}": texts[key] for code, texts in PAGES.items()}


@pytest.fixture
def figuig(db):
    partner = OrganisationFactory(
        slug="commune-de-figuig", country="MA", **translated("partner", "name")
    )
    theme = ThemeFactory(slug="agriculture", **translated("theme", "name"))
    phase = PhaseFactory(name_fr="Phase actuelle", name_en="Current phase", name_es="Fase actual")
    return ProjectFactory(
        phase=phase,
        slug="figuig",
        country="MA",
        partners=[partner],
        themes=[theme],
        **translated("title"),
        **translated("objective"),
    )


def test_switching_language_translates_the_project_page(live_server, page, figuig):
    page.goto(f"{live_server.url}/fr/projects/figuig/")

    for language in ("fr", "en", "es"):
        texts = PAGES[language]
        if language != "fr":
            page.locator("nav.lang").get_by_role("link", name=texts["link"]).click()
        expect(page).to_have_url(f"{live_server.url}/{language}/projects/figuig/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_have_text(texts["title"])
        main = page.locator("main")
        expect(main).to_contain_text(texts["objective"])
        expect(main.locator(".meta").first).to_contain_text(texts["country"])
        expect(main.locator(".partners")).to_contain_text(texts["partner"])
        expect(main.locator(".tags")).to_contain_text(texts["theme"])
        # Everything is in the page's language: nothing is marked as another language's.
        expect(main.locator("[lang]")).to_have_count(0)
        expect(main.locator(".untranslated")).to_have_count(0)
        for other, other_texts in PAGES.items():
            if other != language:
                expect(main).not_to_contain_text(other_texts["title"])


def test_a_missing_translation_is_read_in_its_own_language(live_server, page, figuig):
    figuig.objective_es = ""
    figuig.save()

    page.goto(f"{live_server.url}/es/projects/figuig/")

    objective = page.locator('main [lang="fr"]', has_text=PAGES["fr"]["objective"])
    expect(objective).to_have_count(1)
    expect(page.locator("main .untranslated").first).to_have_text("(Solo disponible en francés)")
