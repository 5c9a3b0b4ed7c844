"""The open-data REST API: each endpoint, each filter (the HTML list's FilterSet), pages and
totals, errors in JSON, read-only for everyone, throttling, and the OpenAPI schema."""

import os
import re
import subprocess
import sys
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from common.models import RateCount
from projects.models import OrganisationKind, PartnershipRole, ProjectStatus
from tests.factories import OrganisationFactory
from tests.html import tr
from tests.projects import test_query_counts
from tests.projects.open_data import (
    A_EN,
    A_ES,
    B_ES,
    A,
    B,
    C,
    D,
    add_translations,
    build_catalogue,
    html_titles,
)

API = "/api/v1"
LIST = f"{API}/projects/"


@pytest.fixture
def catalogue(db):
    return build_catalogue()


def get_json(client, url, status=200, **extra):
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def titles(client, query: str = "") -> list[str]:
    """Titles of every project the API lists for ``query``, across its pages, in order."""
    url, found = f"{LIST}?{query}", []
    while url:
        page = get_json(client, url)
        found += [project["title"] for project in page["results"]]
        url = page["next"]
    return found


def label(choice, language="fr") -> str:
    with translation.override(language):
        return str(choice.label)


# --- projects ------------------------------------------------------------------------------


def test_project_carries_everything_the_catalogue_says(client, catalogue):
    project = get_json(client, f"{LIST}sante-upala/")

    assert project == {
        "slug": "sante-upala",
        "iati_identifier": "XM-DAC-41114-ICMD-sante-upala",
        "title": A,
        "title_fr": A,
        "title_en": None,
        "title_es": None,
        "country": {"code": "CR", "name": "Costa Rica"},
        "locality": "Canton d’Upala",
        "locality_fr": "Canton d’Upala",
        "locality_en": None,
        "locality_es": None,
        "objective": "Améliorer l’accès aux soins des familles de migrants.",
        "objective_fr": "Améliorer l’accès aux soins des familles de migrants.",
        "objective_en": None,
        "objective_es": None,
        "description": "",
        "description_fr": None,
        "description_en": None,
        "description_es": None,
        "phase": {"slug": "current", "name": "Phase actuelle (depuis décembre 2012)"},
        "status": "ongoing",
        "status_label": label(ProjectStatus.ONGOING),
        "duration_months": 22,
        "funding": {"currency": "USD", "amount": "230000.00"},
        "start_date": "2013-01-15",
        "end_date": "2014-10-31",
        "themes": [{"slug": "health", "name": "Santé"}],
        "partners": [
            {
                "role": "lead",
                "role_label": label(PartnershipRole.LEAD),
                "organisation": {
                    "slug": "upala",
                    "name": "Municipalité d’Upala",
                    "kind": "local_authority",
                    "kind_label": label(OrganisationKind.LOCAL_AUTHORITY),
                    "country": {"code": "CR", "name": "Costa Rica"},
                    "page_url": "http://testserver/fr/organisations/upala/",
                    "api_url": "http://testserver/api/v1/organisations/upala/",
                },
            },
            {
                "role": "partner",
                "role_label": label(PartnershipRole.PARTNER),
                "organisation": {
                    "slug": "amd",
                    "name": "Association Migration & Développement",
                    "kind": "diaspora",
                    "kind_label": label(OrganisationKind.DIASPORA),
                    "country": {"code": "MA", "name": "Maroc"},
                    "page_url": "http://testserver/fr/organisations/amd/",
                    "api_url": "http://testserver/api/v1/organisations/amd/",
                },
            },
        ],
        "page_url": "http://testserver/fr/projects/sante-upala/",
        "api_url": "http://testserver/api/v1/projects/sante-upala/",
        "iati_url": "http://testserver/fr/projects/sante-upala/iati.xml",
    }
    # The links lead to the project's page and its IATI file.
    assert client.get(urlsplit(project["page_url"]).path).status_code == 200
    assert client.get(urlsplit(project["iati_url"]).path).status_code == 200


def test_names_and_links_follow_the_language_asked_for(client, catalogue):
    project = get_json(client, f"{LIST}kolda-entrepreneurs/", HTTP_ACCEPT_LANGUAGE="en")

    assert project["country"] == {"code": "SN", "name": "Senegal"}
    assert project["themes"] == [{"slug": "employment", "name": "Employment"}]
    assert project["status_label"] == label(ProjectStatus.COMPLETED, "en")
    assert project["page_url"] == "http://testserver/en/projects/kolda-entrepreneurs/"


def test_list_shows_published_projects_only(client, catalogue):
    page = get_json(client, LIST)

    assert page["count"] == 4
    assert {project["slug"] for project in page["results"]} == {
        "sante-upala",
        "kolda-entrepreneurs",
        "figuig-water",
        "nepal-remittances",
    }
    assert "secret" not in str(page)


def test_unpublished_and_unknown_projects_are_404_in_json(client, catalogue):
    for slug in ["hidden", "no-such-project", "é", "a.b", "%20"]:
        body = get_json(client, f"{LIST}{slug}/", status=404)
        assert body == {"detail": tr("No published project has this slug.")}


EVERY = {A, B, C, D}
FILTERS = [
    ("q=upala", {A}),
    ("q=SANTE", {A}),  # accents and case ignored
    ("q=kolda", {B}),  # a partner's name
    ("q=entrepreneurs+kolda", {B}),
    ("country=SN", {B}),
    ("country=sn", {B}),
    ("theme=health", {A, C}),
    ("theme=employment", {B, C}),
    ("phase=first", {C}),
    ("phase=current", {A, B, D}),
    ("partner=amd", {A, B}),
    ("partner=oxfam-nepal", {D}),
    ("kind=diaspora", {A, B}),
    ("kind=ngo", {D}),
    ("kind=local_authority", {A, C}),
    ("funding_min=150000", {A, D}),
    ("funding_max=100000", {C}),
    ("funding_min=100000&funding_max=240000", {A, B}),
    ("duration_min=20", {A, C}),
    ("duration_max=12", {D}),
    ("theme=health&kind=diaspora", {A}),
    ("q=zzzz", set()),
    ("", EVERY),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_each_filter_gives_what_the_html_list_gives(client, catalogue, query, expected):
    found = titles(client, query)

    assert set(found) == expected
    assert found == html_titles(client, query)


SORTS = [
    ("", [A, C, D, B]),  # by country name: Costa Rica, Maroc, Népal, Sénégal
    ("sort=country", [A, C, D, B]),
    ("sort=title", [C, B, D, A]),
    ("sort=-funding", [D, A, B, C]),
    ("sort=funding", [C, B, A, D]),
    ("sort=-duration", [C, A, B, D]),
    ("sort=duration", [D, B, A, C]),
]


@pytest.mark.parametrize(("query", "expected"), SORTS)
def test_each_sort_gives_the_order_of_the_html_list(client, catalogue, query, expected):
    assert titles(client, query) == expected == html_titles(client, query)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("country=ZZ", "country"),
        ("theme=no-such-theme", "theme"),
        ("phase=no-such-phase", "phase"),
        ("partner=secret", "partner"),  # partner of an unpublished project only
        ("kind=government", "kind"),
        ("funding_min=-5", "funding_min"),
        ("funding_max=lots", "funding_max"),
        ("duration_min=abc", "duration_min"),
        ("duration_max=99999", "duration_max"),
        ("sort=popularity", "sort"),
        ("q=" + "x" * 201, "q"),
        ("q=%00", "q"),
    ],
)
def test_invalid_filter_values_are_400_with_the_field_errors(client, catalogue, query, field):
    errors = get_json(client, f"{LIST}?{query}", status=400)

    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])


def test_every_invalid_filter_is_reported_at_once(client, catalogue):
    errors = get_json(client, f"{LIST}?country=ZZ&funding_min=-1&sort=x", status=400)

    assert set(errors) == {"country", "funding_min", "sort"}


def test_list_filters_do_not_apply_to_one_project(client, catalogue):
    project = get_json(client, f"{LIST}sante-upala/?country=SN&funding_min=-1")

    assert project["slug"] == "sante-upala"


def test_list_is_paginated_with_totals_of_the_whole_filtered_list(client, catalogue):
    first = get_json(client, f"{LIST}?page_size=3")
    second = get_json(client, first["next"])

    assert first["count"] == second["count"] == 4
    assert [p["title"] for p in first["results"]] == [A, C, D]
    assert [p["title"] for p in second["results"]] == [B]
    assert second["next"] is None
    assert second["previous"] is not None
    assert (
        first["totals"]
        == second["totals"]
        == {
            "projects": 4,
            "countries": 4,
            "funding": [
                {"currency": "EUR", "amount": "98000.50"},
                {"currency": "USD", "amount": "600000.00"},
            ],
        }
    )

    filtered = get_json(client, f"{LIST}?theme=health&page_size=1")
    assert filtered["count"] == 2
    assert len(filtered["results"]) == 1
    assert filtered["totals"] == {
        "projects": 2,
        "countries": 2,
        "funding": [
            {"currency": "EUR", "amount": "98000.50"},
            {"currency": "USD", "amount": "230000.00"},
        ],
    }


def test_empty_list_has_zero_totals(client, catalogue):
    page = get_json(client, f"{LIST}?q=zzzz")

    assert page["count"] == 0
    assert page["results"] == []
    assert page["totals"] == {"projects": 0, "countries": 0, "funding": []}


def test_bad_pages_are_404_in_json(client, catalogue):
    for page in ["0", "99", "abc", "-1"]:
        assert get_json(client, f"{LIST}?page={page}&page_size=2", status=404)["detail"]


@pytest.mark.parametrize("size", ["1000", "101", "0", "-5", "abc", "2.5"])
@pytest.mark.parametrize("endpoint", [LIST, f"{API}/organisations/", f"{API}/countries/"])
def test_a_page_size_out_of_bounds_is_refused_with_the_bounds(client, catalogue, endpoint, size):
    errors = get_json(client, f"{endpoint}?page_size={size}", status=400)

    assert list(errors) == ["page_size"]
    message = errors["page_size"][0]
    # In the API's default language, French: the value given and the bounds.
    assert f"« {size} »" in message and "de 1 à 100" in message


def test_a_page_size_within_bounds_is_given(client, catalogue):
    assert len(get_json(client, f"{LIST}?page_size=100")["results"]) == 4
    assert len(get_json(client, f"{LIST}?page_size=1")["results"]) == 1
    assert len(get_json(client, f"{LIST}?page_size=")["results"]) == 4  # the default, 20
    english = get_json(client, f"{LIST}?page_size=500&lang=en", status=400)
    assert english["page_size"] == ["“500” is not a page size: give a number from 1 to 100."]


# --- languages -----------------------------------------------------------------------------

world = test_query_counts.world  # a fixture: a phase, four themes and the "hub" organisation


@pytest.fixture
def translated(catalogue):
    return add_translations(catalogue)


def test_lang_gives_texts_in_that_language_with_the_french_fallback(client, translated):
    page = get_json(client, f"{LIST}?lang=es&sort=-funding")

    by_slug = {project["slug"]: project for project in page["results"]}
    assert [project["title"] for project in page["results"]] == [D, A_ES, B_ES, C]
    upala = by_slug["sante-upala"]
    assert (upala["title"], upala["title_fr"], upala["title_en"], upala["title_es"]) == (
        A_ES,
        A,
        A_EN,
        A_ES,
    )
    assert upala["locality"] == "Cantón de Upala"
    assert upala["objective"] == "Mejorar el acceso a la salud de las familias migrantes."
    assert upala["partners"][0]["organisation"]["name"] == "Municipalidad de Upala"
    assert upala["country"] == {"code": "CR", "name": "Costa Rica"}
    assert upala["themes"] == [{"slug": "health", "name": "Salud"}]
    assert upala["page_url"] == "http://testserver/es/projects/sante-upala/"
    # Not translated: the French text, and null in the missing languages.
    figuig = by_slug["figuig-water"]
    assert (figuig["title"], figuig["title_es"], figuig["locality_es"]) == (C, None, None)
    assert by_slug["kolda-entrepreneurs"]["country"]["name"] == "Senegal"
    assert by_slug["kolda-entrepreneurs"]["title_en"] is None
    # The next page keeps the language.
    second = get_json(client, f"{LIST}?lang=es&page_size=1")
    assert "lang=es" in second["next"]


def test_accept_language_chooses_the_language_when_lang_is_absent(client, translated):
    upala = get_json(client, f"{LIST}sante-upala/", HTTP_ACCEPT_LANGUAGE="en")

    assert (upala["title"], upala["locality"]) == (A_EN, "Upala Canton")
    assert upala["page_url"] == "http://testserver/en/projects/sante-upala/"
    kolda = get_json(client, f"{LIST}kolda-entrepreneurs/", HTTP_ACCEPT_LANGUAGE="en")
    assert kolda["title"] == B  # no English title: the French one
    # A language the site does not have: French.
    assert get_json(client, f"{LIST}sante-upala/", HTTP_ACCEPT_LANGUAGE="de")["title"] == A


def test_lang_takes_precedence_over_accept_language(client, translated):
    response = client.get(f"{LIST}sante-upala/?lang=es", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["title"] == A_ES
    assert response["Content-Language"] == "es"
    french = client.get(f"{LIST}sante-upala/?lang=fr", HTTP_ACCEPT_LANGUAGE="en")
    assert french.json()["title"] == A
    assert french["Content-Language"] == "fr"


@pytest.mark.parametrize(
    "url",
    [
        f"{LIST}?lang=xx",
        f"{LIST}?lang=",
        f"{LIST}?lang=EN",
        f"{LIST}sante-upala/?lang=de",
        f"{API}/organisations/?lang=pt",
        f"{API}/countries/cr/?lang=it",
        f"{API}/themes/?lang=fr-FR",
        f"{API}/phases/current/?lang=zz",
    ],
)
def test_unknown_lang_is_400_saying_which_languages_there_are(client, translated, url):
    errors = get_json(client, url, status=400)

    assert list(errors) == ["lang"]
    assert all(code in errors["lang"][0] for code in ["fr", "en", "es"])


def test_other_resources_give_every_language(client, translated):
    upala = get_json(client, f"{API}/organisations/upala/?lang=en")
    assert (upala["name"], upala["name_fr"], upala["name_en"], upala["name_es"]) == (
        "Municipality of Upala",
        "Municipalité d’Upala",
        "Municipality of Upala",
        "Municipalidad de Upala",
    )
    assert upala["projects"] == [
        {
            "slug": "sante-upala",
            "title": A_EN,
            "role": "lead",
            "role_label": label(PartnershipRole.LEAD, "en"),
            "api_url": "http://testserver/api/v1/projects/sante-upala/",
        }
    ]
    amd = get_json(client, f"{API}/organisations/amd/?lang=en")
    assert (amd["name"], amd["name_en"], amd["description_fr"]) == (
        "Association Migration & Développement",
        None,
        None,
    )
    phases = get_json(client, f"{API}/phases/?lang=es")["results"]
    assert [(p["name"], p["name_es"]) for p in phases] == [
        ("Primera fase (2008–2012)", "Primera fase (2008–2012)"),
        ("Phase actuelle (depuis décembre 2012)", None),  # no Spanish: the French
    ]
    themes = get_json(client, f"{API}/themes/?lang=en")["results"]
    assert [theme["name"] for theme in themes] == ["Employment", "Health"]  # English order


def test_search_finds_a_project_by_its_text_in_any_language(client, translated):
    for language in ["fr", "en", "es"]:
        assert titles(client, f"q=comunitaria&lang={language}") == [
            {"fr": A, "en": A_EN, "es": A_ES}[language]
        ]
    assert titles(client, "q=community") == [A]


@pytest.mark.parametrize("language", ["es", "en"])
def test_queries_do_not_grow_with_the_projects_in_any_language(client, world, language):
    def count(url: str) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        return len(queries)

    urls = [f"{LIST}?lang={language}", f"{API}/organisations/hub/?lang={language}"]
    test_query_counts.add_projects(world, 5)
    few = [count(url) for url in urls]
    test_query_counts.add_projects(world, 95)

    assert [count(url) for url in urls] == few
    assert few[0] == count(LIST)  # as many as without a language


# --- organisations, countries, themes, phases -----------------------------------------------


def test_organisations_list_the_listed_ones_with_published_projects(client, catalogue):
    unlisted = OrganisationFactory(name="Proposée par un membre", slug="proposed")
    page = get_json(client, f"{API}/organisations/?page_size=100")
    by_slug = {organisation["slug"]: organisation for organisation in page["results"]}

    assert unlisted.slug not in by_slug
    assert by_slug["amd"]["project_count"] == 2  # not the unpublished one
    assert [(p["slug"], p["role"]) for p in by_slug["amd"]["projects"]] == [
        ("kolda-entrepreneurs", "partner"),
        ("sante-upala", "partner"),
    ]
    assert by_slug["secret"]["project_count"] == 0
    assert by_slug["secret"]["projects"] == []
    assert [o["name"] for o in page["results"]] == sorted(
        (o["name"] for o in page["results"]), key=lambda name: name.lower()
    )

    amd = get_json(client, f"{API}/organisations/amd/")
    assert amd == by_slug["amd"]
    assert amd["kind"] == "diaspora"
    assert amd["country"] == {"code": "MA", "name": "Maroc"}
    assert amd["page_url"] == "http://testserver/fr/organisations/amd/"
    assert amd["projects"][0]["api_url"] == "http://testserver/api/v1/projects/kolda-entrepreneurs/"
    get_json(client, f"{API}/organisations/proposed/", status=404)
    get_json(client, f"{API}/organisations/nobody/", status=404)


def test_countries_are_those_with_published_projects(client, catalogue):
    page = get_json(client, f"{API}/countries/")

    assert [(c["code"], c["name"], c["project_count"]) for c in page["results"]] == [
        ("CR", "Costa Rica", 1),  # the unpublished project does not count
        ("MA", "Maroc", 1),
        ("NP", "Népal", 1),
        ("SN", "Sénégal", 1),
    ]
    morocco = get_json(client, f"{API}/countries/ma/")
    assert morocco == page["results"][1]
    assert morocco["funding"] == [{"currency": "EUR", "amount": "98000.50"}]
    assert morocco["page_url"] == "http://testserver/fr/countries/ma/"
    assert morocco["projects_url"] == "http://testserver/api/v1/projects/?country=MA"
    assert titles(client, urlsplit(morocco["projects_url"]).query) == [C]
    for code in ["FR", "ZZ", "france", "%20"]:
        get_json(client, f"{API}/countries/{code}/", status=404)


def test_themes_with_their_published_projects(client, catalogue):
    page = get_json(client, f"{API}/themes/")

    assert [(t["slug"], t["name"], t["project_count"]) for t in page["results"]] == [
        ("employment", "Emploi", 2),
        ("health", "Santé", 2),  # not the unpublished one
    ]
    health = get_json(client, f"{API}/themes/health/", HTTP_ACCEPT_LANGUAGE="es")
    assert (health["name"], health["name_fr"], health["name_en"], health["name_es"]) == (
        "Salud",
        "Santé",
        "Health",
        "Salud",
    )
    assert titles(client, urlsplit(health["projects_url"]).query) == [A, C]
    get_json(client, f"{API}/themes/nothing/", status=404)


def test_phases_with_their_published_projects(client, catalogue):
    page = get_json(client, f"{API}/phases/")

    assert [(p["slug"], p["project_count"]) for p in page["results"]] == [
        ("first", 1),
        ("current", 3),
    ]
    first = get_json(client, f"{API}/phases/first/")
    assert (first["start_date"], first["end_date"]) == ("2008-01-01", "2012-11-30")
    assert titles(client, urlsplit(first["projects_url"]).query) == [C]
    get_json(client, f"{API}/phases/third/", status=404)


def test_api_root_lists_the_endpoints(client, db):
    root = get_json(client, f"{API}/")

    assert set(root) == {"projects", "organisations", "countries", "themes", "phases"}


def test_unknown_endpoints_are_404_in_json(client, db):
    for url in [f"{API}/donors/", "/api/v2/projects/", "/api/", f"{API}/projects/%00/"]:
        assert get_json(client, url, status=404)["detail"]


def test_head_and_options_are_allowed(client, catalogue):
    assert client.head(LIST).status_code == 200
    options = client.options(LIST)
    assert options.status_code == 200
    assert options["Allow"] == "GET, HEAD, OPTIONS"


# --- read-only for everyone ----------------------------------------------------------------

WRITE_URLS = [
    f"{API}/",
    LIST,
    f"{LIST}sante-upala/",
    f"{LIST}no-such-project/",
    f"{API}/organisations/",
    f"{API}/organisations/amd/",
    f"{API}/countries/",
    f"{API}/countries/CR/",
    f"{API}/themes/",
    f"{API}/themes/health/",
    f"{API}/phases/",
    f"{API}/phases/current/",
    "/api/schema/",
    "/api/docs/",
]


@pytest.fixture(params=["anonymous", "member", "staff"])
def anyone(request, db):
    """A client of each kind that enforces CSRF, as a browser does."""
    client = Client(enforce_csrf_checks=True)
    if request.param != "anonymous":
        client.force_login(request.getfixturevalue(request.param))
    return client


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_write_methods_are_405_for_everyone(anyone, catalogue, method):
    for url in WRITE_URLS:
        response = getattr(anyone, method)(url, {"title": "x"}, content_type="application/json")
        assert response.status_code == 405, (method, url)
    assert get_json(anyone, LIST)["count"] == 4  # nothing changed


# --- throttling ----------------------------------------------------------------------------


@pytest.fixture
def low_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"},
    }
    cache.clear()
    yield
    cache.clear()


def test_default_rate_is_sensible():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] == "120/minute"
    assert settings.CACHES["default"]["BACKEND"] in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    }


@pytest.mark.parametrize(("rate", "valid"), [("30/hour", True), ("lots", False), ("0/day", False)])
def test_rate_comes_from_the_environment_and_is_checked(rate, valid):
    result = subprocess.run(
        [sys.executable, "-c", "import icmd.settings as s; print(s.API_ANON_RATE)"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_API_ANON_RATE": rate},
        capture_output=True,
        text=True,
        timeout=60,
    )

    if valid:
        assert result.stdout.strip() == rate
    else:
        assert "ImproperlyConfigured: DJANGO_API_ANON_RATE" in result.stderr


def test_anonymous_clients_get_429_after_the_limit(client, catalogue, low_rate):
    for _ in range(3):
        get_json(client, LIST)

    response = client.get(LIST)
    assert response.status_code == 429
    assert response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 60
    # Every endpoint counts, and a forged X-Forwarded-For header does not help.
    assert client.get(f"{API}/themes/").status_code == 429
    assert client.get(LIST, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # The count is kept in the database (or Redis), shared by every worker.
    assert RateCount.objects.get(key="throttle_anon_127.0.0.1").count == 6
    # Another address has its own allowance.
    assert client.get(LIST, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_logged_in_users_are_not_throttled(staff_client, catalogue, low_rate):
    for _ in range(5):
        get_json(staff_client, LIST)


def test_behind_a_proxy_the_address_it_saw_counts(client, catalogue, low_rate, settings):
    settings.TRUSTED_PROXIES = 1  # as DJANGO_BEHIND_PROXY=1 sets it
    for _ in range(3):
        assert client.get(LIST, HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.1").status_code == 200

    blocked = client.get(LIST, HTTP_X_FORWARDED_FOR="10.0.0.2, 198.51.100.1")
    other = client.get(LIST, HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.2")
    assert (blocked.status_code, other.status_code) == (429, 200)


# --- schema and documentation --------------------------------------------------------------


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        f"{API}/{name}/{suffix}"
        for name, lookup in [
            ("projects", "{slug}/"),
            ("organisations", "{slug}/"),
            ("countries", "{code}/"),
            ("themes", "{slug}/"),
            ("phases", "{slug}/"),
            ("resources", "{slug}/"),  # the library's (library/api.py)
            ("events", "{slug}/"),
        ]
        for suffix in ["", lookup]
    }
    assert set(schema["paths"][f"{API}/projects/"]) == {"get"}
    parameters = {p["name"] for p in schema["paths"][f"{API}/projects/"]["get"]["parameters"]}
    assert parameters == {
        "q",
        "country",
        "theme",
        "phase",
        "partner",
        "kind",
        "funding_min",
        "funding_max",
        "duration_min",
        "duration_max",
        "sort",
        "page",
        "page_size",
        "lang",
    }
    for operation in [
        schema["paths"][f"{API}/{name}/{suffix}"]["get"]
        for name in ["projects", "organisations", "countries", "themes", "phases"]
        for suffix in ["", "{slug}/" if name != "countries" else "{code}/"]
    ]:
        lang = next(p for p in operation["parameters"] if p["name"] == "lang")
        assert set(lang["schema"]["enum"]) == {"fr", "en", "es"}
        assert "400" in operation["responses"]
    for name in ["projects", "organisations", "countries", "themes", "phases"]:
        operation = schema["paths"][f"{API}/{name}/"]["get"]
        page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
        assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 100)
    project = schema["components"]["schemas"]["Project"]["properties"]
    for field in ["title", "locality", "objective", "description"]:
        assert project[field]["description"]
        for language in ["fr", "en", "es"]:
            assert project[f"{field}_{language}"]["nullable"] is True
    for component in ["Organisation", "Theme", "Phase"]:
        properties = schema["components"]["schemas"][component]["properties"]
        assert {"name", "name_fr", "name_en", "name_es"} <= set(properties)


def test_schema_is_served(client, db):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    assert f"{API}/projects/" in response.json()["paths"]


@pytest.mark.parametrize("version", ["\r\n", "a\nb", "1"])
def test_the_schema_ignores_a_version_parameter(client, db, version):
    response = client.get("/api/schema/", {"format": "json", "version": version})

    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]
    assert f"{API}/projects/" in response.json()["paths"]


def test_docs_are_served_from_our_own_static_files(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        if asset == "/api/docs/?script=" or asset.endswith("/open-data/api/"):
            continue  # its start-up script, served apart; the documentation's pages
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://", html.replace("http://www.w3.org", ""))


def test_list_page_links_to_the_api_docs(client, catalogue):
    assert 'href="/fr/open-data/api/"' in client.get("/fr/projects/").content.decode()


def test_money_is_a_decimal_string(client, catalogue):
    amount = get_json(client, f"{LIST}figuig-water/")["funding"]["amount"]

    assert Decimal(amount) == Decimal("98000.50")
