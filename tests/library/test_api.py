"""The library's resources and the events in the open-data REST API: published rows only,
everything the pages say (but nothing about members), the filters of their list pages,
languages, errors in JSON, read-only, and a fixed number of queries whatever the rows."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from library.models import (
    EventKind,
    ExtractionStatus,
    Licence,
    ResourceFile,
    ResourceKind,
    ReviewStatus,
)
from tests.factories import (
    EventFactory,
    MemberFactory,
    OrganisationFactory,
    ProjectFactory,
    ResourceFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

RESOURCES = "/api/v1/resources/"
EVENTS = "/api/v1/events/"
NOW = timezone.now()
DAY = datetime.timedelta(days=1)
PDF = "application/pdf"


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()


def get_json(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, (url, params, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def slugs(client, url, **params) -> list[str]:
    return [row["slug"] for row in get_json(client, url, **params)["results"]]


def add_file(resource, language="fr", text="", **fields):
    return ResourceFile.objects.create(
        resource=resource,
        language=language,
        file=f"library/test/{resource.pk}-{language}.pdf",
        original_name="document.pdf",
        content_type=PDF,
        size=fields.pop("size", 2048),
        extracted_text=text,
        extraction=ExtractionStatus.DONE if text else ExtractionStatus.NOT_APPLICABLE,
        **fields,
    )


@pytest.fixture
def library(db):
    gender = ThemeFactory(name="Genre", name_en="Gender", name_es="Género", slug="gender")
    water = ThemeFactory(name="Eau", name_en="Water", name_es="Agua", slug="water")
    figuig = OrganisationFactory(name="Commune de Figuig", slug="figuig", country="MA")
    project = ProjectFactory(title="Palmeraie de Figuig", slug="figuig-palm-grove")
    hidden = ProjectFactory(title="Projet en préparation", slug="hidden", published=False)
    guide = ResourceFactory(
        title="Guide genre et migration",
        title_en="Gender and migration guide",
        title_es="",
        slug="gender-guide",
        summary="Pour les communes.",
        summary_en="For municipalities.",
        kind=ResourceKind.TOOLKIT,
        languages=["fr", "en"],
        authors="A. Diallo, M. Benali",
        publisher=figuig,
        year=2014,
        countries=["MA", "SN"],
        licence=Licence.CC_BY,
        url="",
        published_at=NOW - DAY,
        themes=[gender],
        projects=[project, hidden],
    )
    add_file(guide, "fr", text="Les tontines villageoises de Kolda.")
    add_file(guide, "en", size=4096)
    ResourceFactory(
        title="Rapport sur l’eau",
        slug="water-report",
        kind=ResourceKind.REPORT,
        languages=["es"],
        publisher_name="Red de municipios",
        year=2012,
        countries=["SV"],
        url="/about/selection/",
        published_at=NOW - 2 * DAY,
        themes=[water],
    )
    ResourceFactory(title="En attente", slug="pending", status=ReviewStatus.PENDING)
    ResourceFactory(title="Refusée", slug="refused", status=ReviewStatus.REFUSED)
    return {"guide": guide, "project": project, "figuig": figuig}


# --- resources -----------------------------------------------------------------------------


def test_a_resource_carries_what_its_page_says(client, library):
    guide = library["guide"]
    files = list(guide.files.order_by("language"))
    resource = get_json(client, f"{RESOURCES}gender-guide/", lang="en")

    assert resource == {
        "slug": "gender-guide",
        "title": "Gender and migration guide",
        "title_fr": "Guide genre et migration",
        "title_en": "Gender and migration guide",
        "title_es": None,
        "summary": "For municipalities.",
        "summary_fr": "Pour les communes.",
        "summary_en": "For municipalities.",
        "summary_es": None,
        "kind": "toolkit",
        "kind_label": "Toolkit or guide",
        "languages": ["fr", "en"],
        "authors": "A. Diallo, M. Benali",
        "publisher": {
            "slug": "figuig",
            "name": "Commune de Figuig",
            "kind": library["figuig"].kind,
            "kind_label": resource["publisher"]["kind_label"],
            "country": {"code": "MA", "name": "Morocco"},
            "page_url": "http://testserver/en/organisations/figuig/",
            "api_url": "http://testserver/api/v1/organisations/figuig/",
        },
        "publisher_name": "Commune de Figuig",
        "year": 2014,
        "countries": [{"code": "MA", "name": "Morocco"}, {"code": "SN", "name": "Senegal"}],
        "themes": [{"slug": "gender", "name": "Gender"}],
        # Published projects only.
        "projects": [
            {
                "slug": "figuig-palm-grove",
                "title": resource["projects"][0]["title"],
                "api_url": "http://testserver/api/v1/projects/figuig-palm-grove/",
            }
        ],
        "licence": "cc-by",
        "licence_label": "Creative Commons Attribution (CC BY 4.0)",
        "url": None,
        "files": [
            {
                "language": "en",
                "content_type": PDF,
                "size": 4096,
                "download_url": f"http://testserver/en/library/files/{files[0].pk}/download/",
            },
            {
                "language": "fr",
                "content_type": PDF,
                "size": 2048,
                "download_url": f"http://testserver/en/library/files/{files[1].pk}/download/",
            },
        ],
        "published_at": resource["published_at"],
        "page_url": "http://testserver/en/library/gender-guide/",
        "api_url": "http://testserver/api/v1/resources/gender-guide/",
    }
    assert datetime.datetime.fromisoformat(resource["published_at"]) == guide.published_at


def test_nothing_about_members_nor_the_files_text(client, library):
    guide = library["guide"]
    guide.shared_by = MemberFactory(name="Awa Autrice")
    guide.save()
    content = client.get(f"{RESOURCES}gender-guide/").content.decode()
    assert "Awa" not in content
    assert "tontines" not in content


def test_a_link_to_a_page_of_the_site_is_made_absolute(client, library):
    report = get_json(client, f"{RESOURCES}water-report/")
    assert report["url"] == "http://testserver/about/selection/"
    assert report["publisher"] is None
    assert report["publisher_name"] == "Red de municipios"
    assert report["files"] == []


def test_only_published_resources_latest_first(client, library):
    assert slugs(client, RESOURCES) == ["gender-guide", "water-report"]
    for slug in ("pending", "refused", "nothing"):
        error = get_json(client, f"{RESOURCES}{slug}/", status=404, lang="en")
        assert error == {"detail": "No published resource has this slug."}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "report"}, ["water-report"]),
        ({"theme": "gender"}, ["gender-guide"]),
        ({"country": "sv"}, ["water-report"]),
        ({"language": "es"}, ["water-report"]),
        ({"year": "2014"}, ["gender-guide"]),
        ({"organisation": "figuig"}, ["gender-guide"]),
        ({"project": "figuig-palm-grove"}, ["gender-guide"]),
        ({"q": "tontines villageoises"}, ["gender-guide"]),  # inside its file
        ({"q": "rapport eau"}, ["water-report"]),
        ({"sort": "year"}, ["water-report", "gender-guide"]),
        ({"sort": "title"}, ["gender-guide", "water-report"]),
    ],
)
def test_the_list_takes_the_filters_of_the_library_page(client, library, params, expected):
    assert slugs(client, RESOURCES, **params) == expected


@pytest.mark.parametrize(
    "params",
    [{"kind": "novel"}, {"year": "last"}, {"theme": "nothing"}, {"lang": "de"}, {"page_size": 0}],
)
def test_bad_parameters_get_a_clear_400(client, library, params):
    errors = get_json(client, RESOURCES, status=400, **params)
    assert list(errors) == list(params)
    assert all(isinstance(message, str) for message in next(iter(errors.values())))


def test_read_only_for_everyone(client, library, staff):
    client.force_login(staff)
    for url in (RESOURCES, f"{RESOURCES}gender-guide/", EVENTS):
        assert client.post(url, {}).status_code == 405
        assert client.delete(url).status_code == 405


def test_pages_of_resources(client, db):
    for number in range(25):
        ResourceFactory(slug=f"resource-{number:02}", published_at=NOW - number * DAY)
    first = get_json(client, RESOURCES)
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["next"].endswith("?page=2")
    assert len(get_json(client, RESOURCES, page=2)["results"]) == 5
    assert len(get_json(client, RESOURCES, page_size=100)["results"]) == 25
    get_json(client, RESOURCES, status=404, page=3)


# --- events --------------------------------------------------------------------------------


@pytest.fixture
def calendar(library):
    dakar = OrganisationFactory(name="Ville de Dakar", slug="dakar", country="SN")
    webinar = EventFactory(
        title="Webinaire sur les transferts",
        title_en="Webinar on remittances",
        slug="remittances-webinar",
        kind=EventKind.WEBINAR,
        starts_at=NOW + 7 * DAY,
        ends_at=NOW + 7 * DAY + datetime.timedelta(hours=2),
        time_zone="Africa/Dakar",
        online=True,
        online_url="https://meet.example.org/secret",
        link_for_members_only=True,
        languages=["fr", "en"],
        organiser=dakar,
        themes=[ThemeFactory(name="Transferts", name_en="Remittances", slug="remittances")],
    )
    webinar.projects.set([library["project"]])
    webinar.resources.set([library["guide"]])
    EventFactory(
        title="Atelier de Rabat",
        slug="rabat-workshop",
        kind=EventKind.WORKSHOP,
        starts_at=NOW - 30 * DAY,
        ends_at=NOW - 29 * DAY,
        online=False,
        online_url="",
        city="Rabat",
        country="MA",
        languages=["fr"],
    )
    EventFactory(
        title="Conférence ouverte",
        slug="open-conference",
        kind=EventKind.CONFERENCE,
        starts_at=NOW + 2 * DAY,
        ends_at=NOW + 3 * DAY,
        online_url="https://meet.example.org/open",
        link_for_members_only=False,
        languages=["es"],
    )
    EventFactory(title="Proposé", slug="proposed", status=ReviewStatus.PENDING)
    return webinar


def test_an_event_carries_what_its_page_says_but_a_members_only_link(client, calendar):
    event = get_json(client, f"{EVENTS}remittances-webinar/", lang="en")
    assert event["title"] == "Webinar on remittances"
    assert event["title_fr"] == "Webinaire sur les transferts"
    assert (event["kind"], event["kind_label"]) == ("webinar", "Webinar")
    assert datetime.datetime.fromisoformat(event["starts_at"]) == calendar.starts_at
    assert datetime.datetime.fromisoformat(event["ends_at"]) == calendar.ends_at
    assert event["time_zone"] == "Africa/Dakar"
    assert event["online"] is True
    assert event["online_url"] is None  # shown to members only
    assert event["country"] is None
    assert event["languages"] == ["fr", "en"]
    assert event["organiser"]["slug"] == "dakar"
    assert event["themes"] == [{"slug": "remittances", "name": "Remittances"}]
    assert [project["slug"] for project in event["projects"]] == ["figuig-palm-grove"]
    assert event["resources"] == [
        {
            "slug": "gender-guide",
            "title": "Gender and migration guide",
            "api_url": "http://testserver/api/v1/resources/gender-guide/",
        }
    ]
    assert event["page_url"] == "http://testserver/en/events/remittances-webinar/"
    assert event["ics_url"] == "http://testserver/en/events/remittances-webinar/calendar.ics"
    assert "secret" not in client.get(f"{EVENTS}remittances-webinar/").content.decode()

    open_one = get_json(client, f"{EVENTS}open-conference/")
    assert open_one["online_url"] == "https://meet.example.org/open"
    assert open_one["organiser"] is None  # the JMDI team
    rabat = get_json(client, f"{EVENTS}rabat-workshop/")
    assert (rabat["city"], rabat["country"]["code"]) == ("Rabat", "MA")


def test_published_events_soonest_first_upcoming_or_past(client, calendar):
    assert slugs(client, EVENTS) == ["rabat-workshop", "open-conference", "remittances-webinar"]
    assert slugs(client, EVENTS, when="upcoming") == ["open-conference", "remittances-webinar"]
    assert slugs(client, EVENTS, when="past") == ["rabat-workshop"]
    get_json(client, f"{EVENTS}proposed/", status=404)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "workshop"}, ["rabat-workshop"]),
        ({"country": "ma"}, ["rabat-workshop"]),
        ({"theme": "remittances"}, ["remittances-webinar"]),
        ({"language": "es"}, ["open-conference"]),
        ({"online": "false"}, ["rabat-workshop"]),
        ({"online": "true", "when": "upcoming"}, ["open-conference", "remittances-webinar"]),
    ],
)
def test_the_event_list_takes_the_filters_of_the_calendar(client, calendar, params, expected):
    assert slugs(client, EVENTS, **params) == expected


@pytest.mark.parametrize("params", [{"kind": "party"}, {"when": "tomorrow"}, {"online": "maybe"}])
def test_bad_event_filters_get_a_clear_400(client, calendar, params):
    errors = get_json(client, EVENTS, status=400, **params)
    assert list(errors) == list(params)


# --- queries -------------------------------------------------------------------------------


def count_queries(client, url: str) -> tuple[int, dict]:
    """The queries of ``url`` but for the throttle's bookkeeping, and its answer."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    bookkeeping = [
        query
        for query in queries
        if '"cache_table"' in query["sql"] or query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    return len(queries) - len(bookkeeping), response.json()


def add_rows(count: int) -> None:
    theme = ThemeFactory()
    publisher = OrganisationFactory()
    for _number in range(count):
        project = ProjectFactory()
        resource = ResourceFactory(publisher=publisher, themes=[theme], projects=[project])
        add_file(resource, "fr", text="Du texte. " * 100)
        add_file(resource, "en")
        event = EventFactory(organiser=publisher, themes=[theme])
        event.projects.set([project])
        event.resources.set([resource])


@pytest.mark.parametrize(
    "url",
    [
        RESOURCES,
        f"{RESOURCES}?q=texte&theme=__theme__&sort=title",
        EVENTS,
        f"{EVENTS}?when=upcoming&theme=__theme__&online=true",
    ],
)
def test_queries_do_not_grow_with_the_rows(client, db, url):
    add_rows(5)
    address = url.replace("__theme__", ThemeFactory._meta.model.objects.first().slug)
    few, answer = count_queries(client, address)
    assert answer["count"] == 5

    add_rows(195)
    many, answer = count_queries(client, address)
    assert answer["count"] in (5, 200)
    assert len(answer["results"]) == (5 if answer["count"] == 5 else 20)
    assert many == few, f"{url}: {few} queries with 5 rows, {many} with 200"
    assert few <= 12
