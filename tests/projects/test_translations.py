"""The catalogue's content in the visitor's language, with a marked fallback.

Each translated field is shown in the page's language; where it is missing there, the text
that exists is shown inside an element carrying its ``lang`` and, for text (not names), the
note "Only available in …" in the page's language.
"""

import pytest
from django.utils import translation

from common.translation import language_name
from projects.models import SelectionCriterion
from tests.factories import (
    OrganisationFactory,
    PhaseFactory,
    ProjectFactory,
    StaffFactory,
    ThemeFactory,
)
from tests.html import find_all, parse, text

LANGUAGES = ["fr", "en", "es"]
# For a page in the first language, the only text is written in the second.
FALLBACK_CASES = [("fr", "en"), ("en", "fr"), ("es", "fr")]


def note(page_language: str, text_language: str) -> str:
    """The note a page in ``page_language`` adds to a text in ``text_language``."""
    with translation.override(page_language):
        name = language_name(text_language)  # "anglais" in French, "French" in English
        return translation.gettext("Only available in %(language)s") % {"language": name}


def in_language(response, language: str) -> list[str]:
    """The texts of the page's elements marked ``lang=language``."""
    return [text(node) for node in find_all(parse(response), "*", lang=language)]


def notes(response) -> list[str]:
    return [text(node).strip("()") for node in find_all(parse(response), "small", "untranslated")]


def only_in(language: str, **texts) -> dict:
    """``title="Eau"`` written in ``language`` only: ``{"title_en": "Eau"}``, the others
    empty."""
    fields = {}
    for field, value in texts.items():
        for code in LANGUAGES:
            fields[f"{field}_{code}"] = value if code == language else ""
    return fields


@pytest.mark.parametrize(("page", "written"), FALLBACK_CASES)
def test_project_text_missing_in_the_page_language_is_shown_marked(client, db, page, written):
    project = ProjectFactory(
        **only_in(
            written,
            title="Water for Figuig",
            objective="Bring water to the palm grove.",
            locality="Figuig",
        )
    )

    response = client.get(f"/{page}/projects/{project.slug}/")

    assert response.status_code == 200
    marked = in_language(response, written)
    assert "Water for Figuig" in marked
    assert "Bring water to the palm grove." in marked
    assert "Figuig" in marked
    assert note(page, written) in notes(response)


@pytest.mark.parametrize("page", LANGUAGES)
def test_project_text_in_the_page_language_is_shown_without_note(client, db, page):
    phase = PhaseFactory(name_fr="Phase actuelle", name_en="Current phase", name_es="Fase actual")
    project = ProjectFactory(
        phase=phase,
        title_fr="Eau pour Figuig",
        title_en="Water for Figuig",
        title_es="Agua para Figuig",
        objective_fr="Irriguer la palmeraie.",
        objective_en="Irrigate the palm grove.",
        objective_es="Regar el palmeral.",
    )
    expected = {"fr": "Eau pour Figuig", "en": "Water for Figuig", "es": "Agua para Figuig"}

    response = client.get(f"/{page}/projects/{project.slug}/")

    html = response.content.decode()
    assert f"<h1>{expected[page]}</h1>" in html
    assert notes(response) == []
    for other, title in expected.items():
        if other != page:
            assert title not in html


@pytest.mark.parametrize(("page", "written"), FALLBACK_CASES)
def test_project_card_in_the_list_marks_the_fallback(client, db, page, written):
    ProjectFactory(**only_in(written, title="Water for Figuig", objective="Bring water."))

    response = client.get(f"/{page}/projects/")

    assert "Water for Figuig" in in_language(response, written)
    assert note(page, written) in notes(response)


@pytest.mark.parametrize(("page", "written"), FALLBACK_CASES)
def test_organisation_description_falls_back_marked_and_name_keeps_its_language(
    client, db, page, written
):
    organisation = OrganisationFactory(
        **only_in(written, name="Oxfam Népal", description="Works with returnees.")
    )
    ProjectFactory(
        partners=[organisation], title_fr="Retour", title_en="Return", title_es="Retorno"
    )

    response = client.get(f"/{page}/organisations/{organisation.slug}/")

    assert response.status_code == 200
    marked = in_language(response, written)
    assert "Works with returnees." in marked
    assert "Oxfam Népal" in marked  # a name is read in its own language…
    assert notes(response) == [note(page, written)]  # …but only the description is noted


@pytest.mark.parametrize(("page", "written"), FALLBACK_CASES)
def test_theme_phase_and_criterion_names_fall_back_marked(client, db, page, written):
    theme = ThemeFactory(**only_in(written, name="Youth"))
    phase = PhaseFactory(**only_in(written, name="Current phase"))
    criterion = SelectionCriterion.objects.create(slug="gender", **only_in(written, name="Gender"))
    project = ProjectFactory(
        phase=phase,
        themes=[theme],
        title_en="Title",
        title_es="Título",
        objective_en="Objective",
        objective_es="Objetivo",
    )
    project.criteria_met.set([criterion])

    response = client.get(f"/{page}/projects/{project.slug}/")

    marked = in_language(response, written)
    assert {"Youth", "Current phase", "Gender"} <= set(marked)
    assert notes(response).count(note(page, written)) == 3


@pytest.mark.parametrize("page", LANGUAGES)
def test_names_given_in_every_language_are_shown_in_the_page_language(client, db, page):
    theme = ThemeFactory(name_fr="Jeunesse", name_en="Youth", name_es="Juventud")
    project = ProjectFactory(themes=[theme])

    response = client.get(f"/{page}/projects/{project.slug}/")

    expected = {"fr": "Jeunesse", "en": "Youth", "es": "Juventud"}[page]
    tags = [text(li) for li in find_all(find_all(parse(response), "ul", "tags")[0], "li")]
    assert tags == [expected]


def test_a_project_saved_on_an_english_page_keeps_its_french_text(db):
    project = ProjectFactory(title="Eau pour Figuig")
    with translation.override("en"):
        project.title = "Water for Figuig"
        project.save()
    project.refresh_from_db()

    assert (project.title_fr, project.title_en) == ("Eau pour Figuig", "Water for Figuig")
    with translation.override("es"):
        assert project.title == "Eau pour Figuig"  # Spanish falls back to the original


def test_search_in_the_list_finds_a_project_by_a_word_of_any_language(client, db):
    ProjectFactory(title_fr="Eau pour Figuig", title_en="Water for Figuig", title_es="")

    for word in ("eau", "water"):
        for page in LANGUAGES:
            response = client.get(f"/{page}/projects/?q={word}")
            assert response.context["page"].paginator.count == 1, (word, page)


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def staff_admin(client, db):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_admin_edits_the_three_languages_side_by_side(staff_admin):
    project = ProjectFactory()

    response = staff_admin.get(f"/admin/projects/project/{project.pk}/change/")

    html = response.content.decode()
    for code in LANGUAGES:
        for field in ("title", "objective", "locality", "description"):
            assert f'name="{field}_{code}"' in html


def test_admin_saves_each_language(staff_admin):
    theme = ThemeFactory(name_fr="Jeunesse", name_en="", name_es="", slug="jeunesse")

    response = staff_admin.post(
        f"/admin/projects/theme/{theme.pk}/change/",
        {"name_fr": "Jeunesse", "name_en": "Youth", "name_es": "Juventud", "slug": theme.slug},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    theme.refresh_from_db()
    assert (theme.name_fr, theme.name_en, theme.name_es) == ("Jeunesse", "Youth", "Juventud")


def test_admin_lists_what_is_missing_and_filters_on_it(staff_admin):
    complete = ProjectFactory(
        title_fr="Complet",
        title_en="Complete",
        title_es="Completo",
        objective_fr="o",
        objective_en="o",
        objective_es="o",
    )
    untranslated = ProjectFactory(title_fr="Seulement en français", title_en="", title_es="")

    page = staff_admin.get("/admin/projects/project/").content.decode()
    with translation.override("fr"):
        missing = translation.gettext("Missing in %(languages)s") % {
            "languages": f"{language_name('en')}, {language_name('es')}"
        }
    assert missing in page

    filtered = staff_admin.get("/admin/projects/project/?missing=en")
    shown = {project.pk for project in filtered.context["cl"].result_list}
    assert untranslated.pk in shown
    assert complete.pk not in shown


def test_sorting_by_title_follows_the_titles_of_the_page_language(client, db):
    ProjectFactory(title_fr="Abeilles", title_en="Water", title_es="Colmenas")
    ProjectFactory(title_fr="Eau", title_en="Bees", title_es="Agua")

    def titles(language):
        response = client.get(f"/{language}/projects/?sort=title")
        return [getattr(project, f"title_{language}") for project in response.context["page"]]

    assert titles("fr") == ["Abeilles", "Eau"]
    assert titles("en") == ["Bees", "Water"]
    assert titles("es") == ["Agua", "Colmenas"]


def test_markup_in_a_fallback_text_is_shown_as_text(client, db):
    project = ProjectFactory(
        **only_in("en", title="<script>alert(1)</script>", objective="<b onclick=x>bold</b>")
    )

    html = client.get(f"/fr/projects/{project.slug}/").content.decode()
    listing = client.get("/fr/projects/").content.decode()

    for page in (html, listing):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b onclick" not in page


def test_an_unknown_language_in_the_admin_filter_lists_everything(staff_admin):
    ProjectFactory()

    response = staff_admin.get("/admin/projects/project/?missing=xx")

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


def test_statistics_name_themes_in_the_page_language_or_mark_them(client, db):
    ProjectFactory(themes=[ThemeFactory(name_fr="Jeunesse", name_en="Youth", name_es="")])

    english = client.get("/en/statistics/")
    spanish = client.get("/es/statistics/")

    assert "Youth" in english.content.decode()
    assert notes(english) == []
    assert "Jeunesse" in in_language(spanish, "fr")
    assert note("es", "fr") in notes(spanish)
