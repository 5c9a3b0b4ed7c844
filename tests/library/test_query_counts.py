"""The library's pages, and the catalogue's pages showing its documents, run a fixed
number of SQL queries, however many resources there are (facets included)."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from library.models import Resource, ResourceFile, ResourceKind
from projects.models import Organisation
from tests.factories import (
    EventFactory,
    OrganisationFactory,
    PhaseFactory,
    ProjectFactory,
    ResourceFactory,
    ThemeFactory,
)

# What a page may need for a visitor: the list filtered by a theme and an organisation
# reads both, runs the search (or a count), one query per facet (six), the page's rows,
# their themes and their files, and the theme for the button following it.
MAX_QUERIES = 13
KINDS = list(ResourceKind.values)


@pytest.fixture
def world(db):
    """A project, four themes and the "hub" organisation that publishes every resource."""
    hub = OrganisationFactory(name="Hub", slug="hub", country="SN")
    return SimpleNamespace(
        hub=hub,
        project=ProjectFactory(phase=PhaseFactory(), partners=[hub]),
        themes=ThemeFactory.create_batch(4),
    )


def add_resources(world, count: int) -> None:
    """``count`` published resources, inserted in bulk: each published by the hub or by an
    organisation of its own, about Senegal and another country, in two languages, of the
    project, with two of the four themes and a file whose text the worker has extracted."""
    start = Resource.objects.count()
    publishers = Organisation.objects.bulk_create(
        OrganisationFactory.build_batch(count, country="ML")
    )
    resources = Resource.objects.bulk_create(
        ResourceFactory.build(
            title=f"Ressource numéro {start + number}",
            slug=f"resource-{start + number}",
            kind=KINDS[number % len(KINDS)],
            countries=["SN", ["ML", "MA", "NE"][number % 3]],
            languages=["fr", ["en", "es", "ar"][number % 3]],
            year=2010 + number % 8,
            publisher=world.hub if number % 2 else publisher,
            published_at=timezone.now(),
        )
        for number, publisher in enumerate(publishers)
    )
    ResourceTheme = Resource.themes.through
    ResourceTheme.objects.bulk_create(
        ResourceTheme(resource=resource, theme=theme)
        for number, resource in enumerate(resources)
        for theme in (world.themes[number % 4], world.themes[(number + 1) % 4])
    )
    ResourceProject = Resource.projects.through
    ResourceProject.objects.bulk_create(
        ResourceProject(resource=resource, project=world.project) for resource in resources
    )
    ResourceFile.objects.bulk_create(
        ResourceFile(
            resource=resource,
            language="fr",
            file=f"library/test/{resource.slug}.pdf",
            original_name=f"{resource.slug}.pdf",
            content_type="application/pdf",
            size=1000 + number,
            extracted_text="Les caisses villageoises d'épargne de Kolda. " * 200,
            extraction="done",
        )
        for number, resource in enumerate(resources)
    )
    # As autovacuum does after a bulk load: without statistics, PostgreSQL plans for empty
    # tables.
    tables = [Resource, ResourceTheme, ResourceProject, ResourceFile, Organisation]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


PAGES = {
    "list": lambda world: "/fr/library/",
    "filtered list": lambda world: (
        f"/fr/library/?q=kolda+numéro&theme={world.themes[0].slug}&country=sn&language=fr"
        "&organisation=hub&sort=title"
    ),
    "list of a project": lambda world: f"/fr/library/?project={world.project.slug}&sort=-year",
    "facet page": lambda world: "/fr/library/?facet=organisation&facet_q=hub",
    "resource": lambda world: Resource.objects.order_by("pk").first().get_absolute_url(),
    "project": lambda world: world.project.get_absolute_url(),
    "organisation": lambda world: world.hub.get_absolute_url(),
    "country": lambda world: "/fr/countries/sn/",
}


def count_queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_resources(client, world, page):
    add_resources(world, 5)
    resource = Resource.objects.order_by("pk").first()
    EventFactory(title="Atelier de Kolda").resources.add(resource)
    url = PAGES[page](world)
    few, html = count_queries(client, url)
    assert "Hub" in html or "Ressource numéro" in html

    add_resources(world, 195)
    assert Resource.objects.published().count() == 200
    many, _html = count_queries(client, url)

    assert many == few, f"{page}: {few} queries with 5 resources, {many} with 200"
    assert few <= MAX_QUERIES, f"{page}: {few} queries"


def test_the_list_shows_a_page_of_twenty(client, world):
    add_resources(world, 45)

    _count, html = count_queries(client, "/fr/library/?page=3")

    assert html.count('class="card resource-card"') == 5
