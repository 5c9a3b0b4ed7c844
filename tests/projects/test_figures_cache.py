"""The statistics page reads the catalogue's figures from the cache (``projects.figures``),
and a change to the catalogue shows there at once: an editor's change in the admin, a
partnership or a theme changed, a bulk write."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common.signals import rows_changed
from projects import figures
from projects.models import Project, Theme
from tests.factories import OrganisationFactory, ProjectFactory, ThemeFactory
from tests.forms import form_values
from tests.html import find, parse, text

STATISTICS = "/fr/statistics/"
NBSP = "\u00a0"


def commit() -> None:
    """Run what waits for the test's transaction to commit, as a real commit would."""
    while connection.run_on_commit:
        _savepoints, callback, _robust = connection.run_on_commit.pop(0)
        callback()


def totals(client) -> str:
    return text(find(parse(client.get(STATISTICS)), "p", "totals"))


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture
def catalogue(db):
    health = ThemeFactory(name="Santé", slug="health")
    amd = OrganisationFactory(name="AMD", slug="amd")
    project = ProjectFactory(
        title="Palmeraie", country="MA", partners=[amd], themes=[health], funding_amount=100_000
    )
    ProjectFactory(title="Puits", country="SN", funding_amount=50_000)
    commit()
    return project


def test_the_figures_are_read_once_then_from_the_cache(client, catalogue):
    assert f"150{NBSP}000{NBSP}US$" in totals(client)

    assert queries(client, STATISTICS) == 1
    assert cache.get(figures.CACHE_KEY) is not None


def test_a_change_is_shown_while_its_transaction_is_under_way(client, catalogue):
    totals(client)
    catalogue.funding_amount = Decimal("120000")
    catalogue.save()

    assert f"170{NBSP}000{NBSP}US$" in totals(client)


@pytest.mark.parametrize(
    "change",
    [
        "project saved",
        "project deleted",
        "themes changed",
        "theme renamed",
        "partner added",
        "organisation saved",
        "bulk write",
    ],
)
def test_each_change_forgets_the_figures_once_committed(client, catalogue, change):
    totals(client)
    assert cache.get(figures.CACHE_KEY) is not None
    if change == "project saved":
        catalogue.save()
    elif change == "project deleted":
        ProjectFactory().delete()
    elif change == "themes changed":
        catalogue.themes.add(ThemeFactory())
    elif change == "theme renamed":
        Theme.objects.get(slug="health").save()
    elif change == "partner added":
        catalogue.partnerships.create(organisation=OrganisationFactory(), order=1)
    elif change == "organisation saved":
        OrganisationFactory()
    else:
        Project.objects.filter(pk=catalogue.pk).update(funding_amount=1)
        rows_changed.send(sender=Project, ids=[catalogue.pk])

    commit()

    assert cache.get(figures.CACHE_KEY) is None


def test_the_page_works_without_its_cache(client, catalogue, settings):
    settings.CACHES = {
        "default": {"BACKEND": "tests.forums.caches.OutageCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    from tests.forums.caches import OutageCache

    OutageCache.down = True
    try:
        assert f"150{NBSP}000{NBSP}US$" in totals(client)
    finally:
        OutageCache.down = False


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_appears_at_once(staff_client):
    visitor = Client()
    project = ProjectFactory(title="Palmeraie", country="MA", funding_amount=100_000)
    try:
        assert f"100{NBSP}000{NBSP}US$" in totals(visitor)
        assert queries(visitor, STATISTICS) == 1  # from the cache
        url = f"/admin/projects/project/{project.pk}/change/"
        data = form_values(staff_client.get(url), "project_form")
        data["funding_amount"] = "175500.00"

        assert staff_client.post(url, data).status_code == 302

        assert f"175{NBSP}500{NBSP}US$" in totals(visitor)
    finally:
        cache.delete(figures.CACHE_KEY)  # committed rows are flushed after this test; not it
