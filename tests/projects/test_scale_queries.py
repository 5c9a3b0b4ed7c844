"""The catalogue's pages at two sizes of catalogue, many countries, themes and partners: each
page runs the same number of queries at both (ten at most for a visitor), the project list
stays under 60 KB, and no page holds a list of options that grows with the rows."""

import re
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.signals import rows_changed
from projects.models import Organisation, Partnership, PartnershipRole, Project
from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory, ThemeFactory
from tests.html import find, parse, text, tr_count

MAX_QUERIES = 10
MAX_LIST_BYTES = 60 * 1024
COUNTRIES = ["SN", "MA", "TN", "NP", "PH", "EC", "SV", "CR", "ML", "GH", "MX", "GT", "BJ", "TG"]
SMALL, LARGE = 30, 330


def commit() -> None:
    """Run what waits for the test's transaction to commit (it never does): as after a real
    commit, the cached figures are forgotten and nothing is pending any more."""
    while connection.run_on_commit:
        _savepoints, callback, _robust = connection.run_on_commit.pop(0)
        callback()


@pytest.fixture
def world(db):
    """A phase, twelve themes and the "hub" that leads every project."""
    world = SimpleNamespace(
        phase=PhaseFactory(),
        hub=OrganisationFactory(name="Hub", slug="hub", country="SN"),
        themes=ThemeFactory.create_batch(12),
    )
    commit()
    return world


def grow(world, count: int) -> None:
    """``count`` more published projects, over fourteen countries, each led by the hub with
    two partners of its own (so organisations grow with projects) and two themes; written
    in bulk, as the IATI import does, saying so (``rows_changed``)."""
    start = Project.objects.count()
    projects = Project.objects.bulk_create(
        ProjectFactory.build(
            country=COUNTRIES[number % len(COUNTRIES)],
            phase=world.phase,
            funding_amount=10_000 + 1_000 * number,
        )
        for number in range(start, start + count)
    )
    partners = Organisation.objects.bulk_create(
        OrganisationFactory.build_batch(2 * count, country="SN")
    )
    partnerships = Partnership.objects.bulk_create(
        partnership
        for number, project in enumerate(projects)
        for partnership in (
            Partnership(project=project, organisation=world.hub, role=PartnershipRole.LEAD),
            Partnership(project=project, organisation=partners[2 * number], order=1),
            Partnership(project=project, organisation=partners[2 * number + 1], order=2),
        )
    )
    ProjectTheme = Project.themes.through
    ProjectTheme.objects.bulk_create(
        ProjectTheme(project=project, theme=theme)
        for number, project in enumerate(projects)
        for theme in (world.themes[number % 12], world.themes[(number + 5) % 12])
    )
    rows_changed.send(sender=Project, ids=[project.pk for project in projects])
    rows_changed.send(sender=Partnership, ids=[row.pk for row in partnerships])
    commit()
    tables = [Project, Organisation, Partnership, ProjectTheme]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


PAGES = {
    "list": lambda world: "/fr/projects/",
    "list, page 5": lambda world: "/fr/projects/?page=5",
    "country and theme": lambda world: f"/fr/projects/?country=SN&theme={world.themes[0].slug}",
    "sorted by funding": lambda world: "/fr/projects/?sort=-funding&page=2",
    "every filter": lambda world: (
        f"/fr/projects/?q=projet&theme={world.themes[0].slug}&partner=hub&phase=current"
        "&kind=civil_society&funding_min=1&duration_max=100&sort=title"
    ),
    "partners facet": lambda world: "/fr/projects/?facet=partner&facet_q=organisation",
    "project": lambda world: Project.objects.order_by("pk").first().get_absolute_url(),
    "country": lambda world: "/fr/countries/sn/",
    "organisation": lambda world: world.hub.get_absolute_url(),
    "statistics": lambda world: "/fr/statistics/",
}


def get(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_queries_are_few_and_do_not_grow_with_the_catalogue(client, world, settings, page):
    settings.PROJECTS_PER_PAGE = 5
    grow(world, SMALL)
    url = PAGES[page](world)
    few, html = get(client, url)
    if page not in ("statistics", "partners facet"):
        assert "Hub" in html  # the pages show the partners

    grow(world, LARGE - SMALL)
    many, _html = get(client, url)

    assert many == few, f"{page}: {few} queries with {SMALL} projects, {many} with {LARGE}"
    assert few <= MAX_QUERIES, f"{page}: {few} queries"


def test_a_deep_page_costs_what_the_first_costs(client, world):
    grow(world, LARGE)
    last = -(-LARGE // django_settings.PROJECTS_PER_PAGE)
    for sort in ("country", "title", "-funding"):
        first, html = get(client, f"/fr/projects/?sort={sort}")
        deep, deep_html = get(client, f"/fr/projects/?sort={sort}&page={last}")

        assert deep == first, sort
        on_last_page = LARGE % django_settings.PROJECTS_PER_PAGE or 20
        assert deep_html.count('class="card project-card"') == on_last_page


def test_statistics_read_from_the_cache_cost_one_query(client, world):
    grow(world, SMALL)
    get(client, "/fr/statistics/")

    queries, html = get(client, "/fr/statistics/")

    assert queries == 1
    totals = text(find(parse_html(html), "p", "totals"))
    assert tr_count("%(counter)s project", "%(counter)s projects", SMALL) in totals


def parse_html(html: str):
    return parse(SimpleNamespace(content=html.encode()))


def options(html: str) -> int:
    return len(re.findall(r"<option\b", html))


@pytest.mark.parametrize("page", ["list", "country", "organisation", "project"])
def test_pages_stay_small_and_hold_no_option_list_that_grows(client, world, page):
    grow(world, SMALL)
    url = PAGES[page](world)
    _queries, small = get(client, url)
    grow(world, LARGE - SMALL)
    _queries, large = get(client, url)
    grow(world, LARGE)
    _queries, larger = get(client, url)

    assert options(small) == options(large) == options(larger), "a select grows with the rows"
    assert len(larger.encode()) < MAX_LIST_BYTES, f"{page}: {len(larger.encode())} bytes"
    # Every list on the page is bounded: once full, the page no longer grows.
    assert len(larger) < 1.02 * len(large), f"{page}: {len(large)} → {len(larger)} characters"
