"""Each catalogue page runs a fixed number of SQL queries, however many projects there are."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Organisation, Partnership, PartnershipRole, Project
from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory, ThemeFactory

# What any page may need for a visitor (a logged-in member adds their session and account).
MAX_QUERIES = 10


@pytest.fixture
def world(db):
    """A phase, four themes and the "hub" organisation that leads every project."""
    return SimpleNamespace(
        phase=PhaseFactory(),
        hub=OrganisationFactory(name="Hub", slug="hub", country="SN"),
        themes=ThemeFactory.create_batch(4),
    )


def add_projects(world, count: int) -> None:
    """``count`` published projects in Senegal, inserted in bulk: each is led by the hub,
    has a partner of its own, and two of the four themes."""
    projects = Project.objects.bulk_create(
        ProjectFactory.build_batch(count, country="SN", locality="Dakar", phase=world.phase)
    )
    partners = Organisation.objects.bulk_create(
        OrganisationFactory.build_batch(count, country="SN")
    )
    Partnership.objects.bulk_create(
        partnership
        for project, partner in zip(projects, partners, strict=True)
        for partnership in (
            Partnership(project=project, organisation=world.hub, role=PartnershipRole.LEAD),
            Partnership(project=project, organisation=partner, order=1),
        )
    )
    ProjectTheme = Project.themes.through
    ProjectTheme.objects.bulk_create(
        ProjectTheme(project=project, theme=theme)
        for number, project in enumerate(projects)
        for theme in (world.themes[number % 4], world.themes[(number + 1) % 4])
    )
    # As autovacuum does after a bulk load: without statistics, PostgreSQL plans for empty
    # tables, and a slow plan would hang the test instead of failing it.
    tables = [Project, Organisation, Partnership, ProjectTheme]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


PAGES = {
    "list": lambda world: "/fr/projects/",
    "filtered list": lambda world: (
        f"/fr/projects/?q=projet+num%C3%A9ro&theme={world.themes[0].slug}"
        "&kind=civil_society&partner=hub&funding_min=1&duration_max=100&sort=-funding"
    ),
    "project": lambda world: Project.objects.order_by("pk").first().get_absolute_url(),
    "country": lambda world: "/fr/countries/sn/",
    "organisation": lambda world: world.hub.get_absolute_url(),
    "statistics": lambda world: "/fr/statistics/",
}


def count_queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_projects(client, world, page):
    add_projects(world, 5)
    url = PAGES[page](world)
    few, html = count_queries(client, url)
    if page != "statistics":
        assert "Hub" in html  # the pages show the partners

    add_projects(world, 195)
    assert Project.objects.published().count() == 200
    many, _html = count_queries(client, url)

    assert many == few, f"{page}: {few} queries with 5 projects, {many} with 200"
    assert few <= MAX_QUERIES, f"{page}: {few} queries"


def test_queries_for_a_staff_member_do_not_grow_either(staff_client, world):
    add_projects(world, 5)
    few, _html = count_queries(staff_client, "/fr/projects/")
    add_projects(world, 195)
    many, _html = count_queries(staff_client, "/fr/projects/")

    assert many == few <= MAX_QUERIES + 2
