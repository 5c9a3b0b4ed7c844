"""Each API list, and the CSV and IATI downloads, run a fixed number of SQL queries, whether
the catalogue has 5 projects or 200 (every row of a download included)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from tests.projects import test_query_counts
from tests.projects.open_data import body

# The catalogue of the page query-count tests: a phase, four themes, the "hub" organisation
# that leads every project, and ``add_projects`` to add projects in bulk.
world = test_query_counts.world
add_projects = test_query_counts.add_projects

MAX_QUERIES = 15

URLS = {
    "API projects": lambda world: "/api/v1/projects/",
    "API projects, filtered": lambda world: (
        f"/api/v1/projects/?q=projet+num%C3%A9ro&theme={world.themes[0].slug}"
        "&kind=civil_society&partner=hub&funding_min=1&duration_max=100&sort=-funding"
    ),
    "API project": lambda world: f"/api/v1/projects/{Project.objects.order_by('pk')[0].slug}/",
    "API organisations": lambda world: "/api/v1/organisations/",
    "API organisation": lambda world: "/api/v1/organisations/hub/",
    "API countries": lambda world: "/api/v1/countries/",
    "API themes": lambda world: "/api/v1/themes/",
    "API phases": lambda world: "/api/v1/phases/",
    "CSV": lambda world: "/fr/projects/export.csv",
    "CSV, filtered": lambda world: f"/fr/projects/export.csv?theme={world.themes[0].slug}",
    "IATI": lambda world: "/fr/projects/iati.xml",
    "IATI, filtered": lambda world: f"/fr/projects/iati.xml?theme={world.themes[0].slug}",
    "IATI, one project": lambda world: (
        f"/fr/projects/{Project.objects.order_by('pk')[0].slug}/iati.xml"
    ),
}


def count_queries(client, url: str) -> tuple[int, bytes]:
    """The queries of ``url``, but for the rate limits' bookkeeping in the default cache
    (a table of the database here, Redis in production), and its content."""
    cache.clear()  # each request starts with an empty throttle history
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        content = body(response)  # a download is written while it is read
    assert response.status_code == 200, url
    bookkeeping = [
        query
        for query in queries
        if '"cache_table"' in query["sql"] or query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    return len(queries) - len(bookkeeping), content


@pytest.mark.parametrize("url", URLS)
def test_queries_do_not_grow_with_the_projects(client, world, url):
    add_projects(world, 5)
    address = URLS[url](world)
    few, content = count_queries(client, address)
    if url not in {"API countries", "API themes", "API phases"}:
        assert b"Hub" in content  # the partners are there

    add_projects(world, 195)
    assert Project.objects.published().count() == 200
    many, content = count_queries(client, address)

    assert many == few, f"{url}: {few} queries with 5 projects, {many} with 200"
    assert few <= MAX_QUERIES, f"{url}: {few} queries"
    if url in {"CSV", "IATI"}:
        assert content.count(b"Hub") >= 200  # every project, not a page of them
