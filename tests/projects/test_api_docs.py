"""The API's documentation page (/<lang>/open-data/api/): in each language, light, readable
without JavaScript, and true to the API (its filters, fields, example and limits are read
from it); and the interactive console (Swagger UI) one link away from it."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.api import router
from projects.filters import ProjectFilter
from tests.factories import OrganisationFactory, ProjectFactory, ThemeFactory
from tests.html import find, find_all, parse, text

DOCS = "/{language}/open-data/api/"
HEADINGS = {"fr": "API des données ouvertes", "en": "Open data API", "es": "API de datos abiertos"}
MAX_BYTES = 50_000


@pytest.fixture
def fresh_throttle(db):
    """The API's throttle counts in the cache: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


def docs(client, language="en"):
    response = client.get(DOCS.format(language=language))
    assert response.status_code == 200
    return response


def shape(value):
    """The keys of a JSON answer at every depth (a list by its first item): what a client
    reads, whatever the values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def documented_shape(fields_list) -> dict:
    """The fields a ``<ul class="fields">`` of the page documents, with their own fields."""
    documented = {}
    for item in fields_list.children:
        if isinstance(item, str) or item.tag != "li":
            continue
        name = text(find(item, "code"))
        nested = [child for child in item.children if getattr(child, "tag", "") == "ul"]
        documented[name] = documented_shape(nested[0]) if nested else None
        hints = [child for child in item.children if getattr(child, "tag", "") == "span"]
        for hint in hints:  # the text in each language: title_fr, title_en, title_es
            for code in find_all(hint, "code"):
                documented[text(code)] = None
    return documented


def without_lists(value):
    """``shape`` where a list of objects is the object (the page lists a list's fields)."""
    if isinstance(value, dict):
        return {key: without_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        return without_lists(value[0]) if value else None
    return None


@pytest.mark.parametrize("language", ["fr", "en", "es"])
def test_the_documentation_is_a_light_page_in_each_language(client, seed_copy, language):
    response = docs(client, language)
    page = parse(response)

    assert find(page, "html").attrs["lang"] == language
    assert text(find(page, "h1")) == HEADINGS[language]
    assert response["Content-Language"] == language
    assert len(response.content) < MAX_BYTES, len(response.content)
    # Proper structure: sections under headings, tables with captions and header cells.
    assert len(find_all(page, "h2")) >= 9
    for table in find_all(find(page, "main"), "table"):
        assert text(find(table, "caption"))
        assert all(cell.attrs.get("scope") in ("col", "row") for cell in find_all(table, "th"))


def test_it_needs_no_javascript(client, seed_copy):
    page = parse(docs(client))

    assert find_all(page, "script") == []
    endpoints_table = find(page, "table", "doc-table")
    listed = [text(find(row, "th")) for row in find_all(find(endpoints_table, "tbody"), "tr")]
    assert listed == [f"/api/v1/{prefix}/" for prefix, _viewset, _name in router.registry]
    assert find(page, "pre", "example-answer")


def test_every_filter_of_the_list_is_documented(client, seed_copy):
    page = parse(docs(client))

    for name in ProjectFilter.base_filters:
        row = find(page, "tr", id=f"filter-{name}")
        assert text(find(row, "th")) == name
        assert text(row) != name  # with what it takes
    documented = {
        row.attrs["id"].removeprefix("filter-") for row in find_all(page, "tr") if "id" in row.attrs
    }
    assert documented == set(ProjectFilter.base_filters)


def test_filter_values_are_summed_up_not_listed_in_full(client, seed_copy):
    for number in range(30):
        ThemeFactory(name_en=f"Extra theme {number:02}")
    page = parse(docs(client))

    themes = text(find(page, "tr", id="filter-theme"))
    assert "and 38 more" in themes  # 41 themes: 3 given as examples
    assert "/api/v1/themes/" in themes
    kinds = text(find(page, "tr", id="filter-kind"))
    for value in ["local_authority", "civil_society", "diaspora", "ngo", "private_sector"]:
        assert value in kinds  # few enough to be listed


def test_the_example_is_the_apis_real_answer(client, seed_copy):
    page = parse(docs(client))

    request_link = find(find(page, "section", aria_labelledby="example"), "a")
    example_request = request_link.attrs["href"]
    assert example_request.startswith("/api/v1/projects/?")
    shown = json.loads(text(find(page, "pre", "example-answer")).replace("…", ""))
    real = client.get(example_request).json()

    assert shape(shown) == shape(real)
    assert shown["count"] == real["count"] > 1
    assert shown["results"][0]["slug"] == real["results"][0]["slug"]
    assert shown["next"] == real["next"]  # addresses are not shortened


def test_the_fields_of_each_endpoint_are_those_the_api_gives(client, seed_copy):
    page = parse(docs(client))
    examples = {
        row_link.attrs["href"]
        for row_link in find_all(find(page, "table", "doc-table"), "a")
        if row_link.attrs["href"].count("/") > 4  # an item's address, not a list's
    }
    assert len(examples) == len(router.registry)

    for _prefix, _viewset, basename in router.registry:
        section = find(page, "section", aria_labelledby=f"fields-{basename}")
        documented = documented_shape(find(section, "ul", "fields"))
        detail = find(section, "h3")
        example = next(url for url in examples if url.startswith(text(detail).split("{")[0]))
        real = client.get(example).json()
        assert documented == without_lists(shape(real)), basename


def test_limits_are_read_from_the_settings(client, seed_copy, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "7/hour"},
    }
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "export": "3/5m/ip",
        "export_member": "40/d/user",
    }
    limits = text(find(parse(docs(client)), "section", aria_labelledby="limits"))

    assert "7 requests per hour per IP address" in limits
    assert "3 downloads every 300 seconds per IP address" in limits
    assert "40 downloads per day per account" in limits


def test_pages_and_languages_are_documented(client, seed_copy):
    page = parse(docs(client))

    pages = text(find(page, "section", aria_labelledby="pages"))
    assert "pages of 20 items" in pages
    assert "from 1 to 100" in pages
    languages = find(page, "section", aria_labelledby="languages")
    assert [text(cell) for cell in find_all(find(languages, "tbody"), "th")] == ["fr", "en", "es"]
    assert "Accept-Language" in text(languages)


def test_downloads_and_terms_of_use_are_documented(client, seed_copy):
    page = parse(docs(client, "es"))

    downloads = find(page, "section", aria_labelledby="downloads")
    links = [link.attrs["href"] for link in find_all(downloads, "a")]
    assert any(link.startswith("/es/projects/export.csv?country=") for link in links)
    assert any(link.startswith("/es/projects/iati.xml?country=") for link in links)
    for link in links:
        assert client.get(link).status_code == 200, link
    assert "/es/projects/{slug}/iati.xml" in text(downloads)
    licence = find(page, "section", aria_labelledby="licence")
    assert "ICMD/JMDI" in text(licence)
    assert "CC BY 4.0" in text(licence)
    assert (
        find(licence, "a", rel="license").attrs["href"]
        == "https://creativecommons.org/licenses/by/4.0/"
    )


def test_reading_the_documentation_does_not_count_against_the_api_limit(
    client, seed_copy, settings, fresh_throttle
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute"},
    }
    docs(client)
    docs(client)

    assert client.get("/api/v1/themes/").status_code == 200
    assert client.get("/api/v1/themes/").status_code == 429


def test_an_empty_catalogue_is_documented_too(client, db):
    page = parse(docs(client))

    assert json.loads(text(find(page, "pre", "example-answer")))["count"] == 0
    assert find(page, "tr", id="filter-country")


def test_the_page_does_not_grow_with_the_catalogue(client, seed_copy, django_assert_num_queries):
    with CaptureQueriesContext(connection) as before:
        small = docs(client)
    partners = [OrganisationFactory(verified=True) for _number in range(40)]
    themes = [ThemeFactory() for _number in range(40)]
    for number in range(40):
        ProjectFactory(themes=themes[:3], partners=partners[number : number + 2])

    with django_assert_num_queries(len(before.captured_queries)):
        large = docs(client)
    assert len(large.content) < MAX_BYTES
    assert abs(len(large.content) - len(small.content)) < 2_000


def test_the_documentation_links_to_the_interactive_console(client, seed_copy):
    page = parse(docs(client, "fr"))

    console = find(page, "a", href="/api/docs/")
    assert console.attrs["hreflang"] == "en"
    assert text(find(console, "span", lang="en")) == "Swagger UI"


@pytest.mark.parametrize("language", ["fr", "en", "es"])
def test_the_project_list_links_to_the_documentation(client, seed_copy, language):
    page = parse(client.get(f"/{language}/projects/"))

    links = [link.attrs.get("href", "") for link in find_all(page, "a")]
    assert DOCS.format(language=language) in links
    assert not any(link.startswith("/api/docs") for link in links)


# --- the interactive console --------------------------------------------------------------


def test_the_console_is_an_english_page_without_inline_code(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    page = parse(response)
    assert find(page, "html").attrs["lang"] == "en"
    assert "<style" not in html and " style=" not in html
    scripts = find_all(page, "script")
    assert scripts and all(script.attrs.get("src") and not script.children for script in scripts)
    # Its way back to the documentation, in each language.
    for language in ["fr", "en", "es"]:
        assert find(page, "a", href=DOCS.format(language=language), hreflang=language)


def test_the_consoles_files_are_our_own(client, db):
    response = client.get("/api/docs/")
    page = parse(response)

    assets = [node.attrs["src"] for node in find_all(page, "script")]
    assets += [node.attrs["href"] for node in find_all(page, "link")]
    start_up = [url for url in assets if url.startswith("/api/docs/?script")]
    assert len(start_up) == 1
    for asset in set(assets) - set(start_up):
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://", response.content.decode())

    script = client.get(start_up[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    source = script.content.decode()
    assert "SwaggerUIBundle(" in source
    schema_url = json.loads(re.search(r'url: ("[^"]*")', source)[1])
    assert schema_url == "/api/schema/?lang=en"  # the console is in English
