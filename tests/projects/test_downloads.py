"""Downloads of the project list (CSV, IATI XML) are streamed, kept once written and sent
again until the catalogue changes, answer 304 to a client that has the current one, and
are rate-limited for anonymous clients."""

import csv
import io
import tracemalloc

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from lxml import etree

from projects import downloads
from projects.export_cache import ExportKey, open_cached, stored_while_streamed
from projects.filters import ProjectFilter
from projects.models import Organisation, Project
from tests.forms import form_values
from tests.html import find, parse, text, tr
from tests.projects import test_query_counts
from tests.projects.open_data import A, B, C, D, body, build_catalogue

CSV = "/fr/projects/export.csv"
IATI = "/fr/projects/iati.xml"
DOWNLOADS = [CSV, IATI]

world = test_query_counts.world  # a fixture: a phase, four themes and the "hub" organisation
add_projects = test_query_counts.add_projects


@pytest.fixture
def catalogue(db):
    return build_catalogue()


@pytest.fixture
def visitor():
    """An anonymous client of its own (``client`` is the staff's in tests that log in)."""
    return Client()


def titles(content: bytes, url: str) -> list[str]:
    if url.startswith(CSV):
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        return [row[0] for row in rows[1:]]
    root = etree.fromstring(content)
    return [node.findtext("title/narrative") for node in root]


def catalogue_queries(queries) -> list[str]:
    """The SQL that read the catalogue (not the session, the cache or the rate limit)."""
    return [query["sql"] for query in queries if '"projects_' in query["sql"]]


def download(client, url, **headers):
    """The response, with its body read whole within the queries it takes."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
        content = body(response) if response.status_code == 200 else b""
    return response, content, catalogue_queries(queries)


# --- streaming -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_download_starts_before_the_projects_are_read(client, world, url):
    add_projects(world, 30)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        answered = len(queries)
        chunks = iter(response.streaming_content)
        first = next(chunks)
        rest = b"".join(chunks)

    assert response.status_code == 200
    assert response.streaming
    assert not response.has_header("Content-Length")
    # The opening of the file comes first, before any project has been read.
    assert first.startswith((b"\xef\xbb\xbf", b"<?xml"))
    assert b"Hub" not in first
    assert len(queries) > answered
    assert len(titles(first + rest, url)) == 30


@pytest.mark.parametrize("url", DOWNLOADS)
def test_projects_are_read_a_chunk_at_a_time_in_the_list_order(client, world, url, monkeypatch):
    monkeypatch.setattr(downloads, "CHUNK_SIZE", 40)
    add_projects(world, 100)
    url = f"{url}?sort=-funding"
    listed = ProjectFilter({"sort": "-funding"}, queryset=Project.objects.published()).qs

    response, content, queries = download(client, url)

    assert titles(content, url) == [project.title for project in listed]
    assert len(listed) == 100
    # The partners of each chunk of 40 projects are read together: 3 chunks, 3 queries.
    partners = [
        sql for sql in queries if 'FROM "projects_partnership"' in sql and "xmin" not in sql
    ]
    assert len(partners) == 3


@pytest.mark.parametrize("url", DOWNLOADS)
def test_the_memory_a_download_takes_does_not_grow_with_the_projects(
    client, world, url, monkeypatch
):
    monkeypatch.setattr(downloads, "CHUNK_SIZE", 25)
    monkeypatch.setattr(downloads, "BLOCK_SIZE", 4096)

    def peak(projects: int) -> int:
        add_projects(world, projects - Project.objects.count())
        response = client.get(f"{url}?sort=title")
        tracemalloc.start()
        size = sum(len(chunk) for chunk in response.streaming_content)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert size > projects * 100
        return top

    few, many = peak(100), peak(400)

    assert many < few * 1.5, f"{few} bytes at most for 100 projects, {many} for 400"


# --- kept and sent again -------------------------------------------------------------------


@pytest.mark.parametrize("url", DOWNLOADS)
def test_the_same_download_again_is_sent_from_the_kept_file(visitor, catalogue, url):
    first, content, first_queries = download(visitor, f"{url}?theme=health&sort=title")
    # The same filters, written differently: in another order, with other parameters.
    again, same, queries = download(visitor, f"{url}?sort=title&page=3&utm_source=x&theme=health")

    assert titles(content, url) == [C, A]
    assert same == content
    assert again.streaming and again["ETag"] == first["ETag"]
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert again["Content-Type"] == first["Content-Type"]
    assert len(first_queries) > 3
    assert len(queries) == 1  # the catalogue's version only
    assert "xmin" in queries[0]


def test_each_language_and_filter_has_a_file_of_its_own(visitor, catalogue, export_cache_dir):
    french = body(visitor.get(CSV))
    english = body(visitor.get("/en/projects/export.csv"))
    health = body(visitor.get(f"{CSV}?theme=health"))

    assert french.decode("utf-8-sig").startswith(f"{tr('Title', 'fr')},")
    assert english.decode("utf-8-sig").startswith("Title,")
    assert "Costa Rica" in english.decode() and "/en/projects/" in english.decode()
    assert sorted(titles(health, CSV)) == sorted([A, C])
    assert sorted(titles(french, CSV)) == sorted([A, B, C, D])
    kept = sorted(path.read_bytes() for path in export_cache_dir.iterdir())
    assert kept == sorted([french, english, health])


@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_client_that_has_the_current_download_gets_304(visitor, catalogue, url):
    first, content, _queries = download(visitor, url)
    etag = first["ETag"]

    response, _content, queries = download(visitor, url, if_none_match=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert not response.content
    assert len(queries) == 1  # the catalogue's version only
    other, _content, _queries = download(visitor, f"{url}?country=SN", if_none_match=etag)
    assert other.status_code == 200


@pytest.mark.parametrize("url", DOWNLOADS)
def test_after_a_staff_edit_the_download_shows_the_change(visitor, staff_client, seed_copy, url):
    project = Project.objects.get(slug="los-santos-inclusive-development")
    before, content, _queries = download(visitor, url)
    assert project.title in titles(content, url)
    change = f"/admin/projects/project/{project.pk}/change/"
    data = form_values(staff_client.get(change), "project_form")
    data["title_fr"] = "Desarrollo inclusivo de Los Santos, revisado"

    assert staff_client.post(change, data).status_code == 302

    after, content, queries = download(visitor, url, if_none_match=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "Desarrollo inclusivo de Los Santos, revisado" in titles(content, url)
    assert project.title not in titles(content, url)
    assert len(queries) > 1  # written again from the catalogue


def test_any_change_to_the_catalogue_counts_even_a_bulk_update(visitor, catalogue):
    first = visitor.get(CSV)
    assert "Municipalité d’Upala" in body(first).decode()

    with transaction.atomic():  # as the request, the import or a script that made it would
        Organisation.objects.filter(slug="upala").update(name="Commune d’Upala")

    renamed = visitor.get(CSV, headers={"if-none-match": first["ETag"]})
    assert renamed.status_code == 200
    assert "Commune d’Upala" in body(renamed).decode()
    with transaction.atomic():
        Project.objects.filter(slug="kolda-entrepreneurs").update(published=False)

    unpublished = visitor.get(CSV, headers={"if-none-match": renamed["ETag"]})
    assert unpublished.status_code == 200
    assert B not in titles(body(unpublished), CSV)


def test_a_download_cut_short_leaves_no_file(export_cache_dir):
    key = ExportKey("csv", "download", "version")
    cut_short = stored_while_streamed(iter([b"header\n", b"rows\n"]), key)
    assert next(cut_short) == b"header\n"

    cut_short.close()  # the client went away: the server closes the response

    assert list(export_cache_dir.iterdir()) == []
    assert open_cached(key) is None
    assert b"".join(stored_while_streamed(iter([b"header\n", b"rows\n"]), key))
    assert open_cached(key).read() == b"header\nrows\n"


# --- rate limit ----------------------------------------------------------------------------


@pytest.fixture
def low_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "export": "3/m/ip",
        "export_member": "5/m/user",
    }


def test_anonymous_downloads_past_the_limit_get_429_in_the_page_language(
    visitor, catalogue, low_limits
):
    for url in [CSV, IATI, f"{CSV}?country=SN"]:
        assert visitor.get(url).status_code == 200

    refused = visitor.get(IATI)
    english = visitor.get("/en/projects/export.csv")

    assert refused.status_code == english.status_code == 429
    assert refused["Retry-After"] == "60"
    page = parse(refused)
    assert find(page, "html").attrs["lang"] == "fr"
    assert text(find(page, "h1")) == tr("Too many downloads", "fr")
    assert text(find(parse(english), "h1")) == "Too many downloads"
    assert "Please wait a minute" in text(find(parse(english), "main"))
    # Another address has its own allowance.
    assert visitor.get(CSV, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_behind_a_proxy_each_visitor_has_their_own_allowance(
    visitor, catalogue, low_limits, settings
):
    """Two visitors reaching the site through one reverse proxy (same REMOTE_ADDR): the
    proxy's X-Forwarded-For entry tells them apart, so one's downloads do not use up the
    other's."""
    settings.TRUSTED_PROXIES = 1  # as DJANGO_BEHIND_PROXY=1 sets it
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    second = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.20"}
    assert [visitor.get(CSV, **first).status_code for _ in range(4)] == [200] * 3 + [429]
    assert visitor.get(CSV, **second).status_code == 200


def test_a_client_that_has_the_current_download_may_still_ask_whether_it_changed(
    visitor, catalogue, low_limits
):
    etag = visitor.get(CSV)["ETag"]
    for _ in range(5):
        assert visitor.get(CSV, headers={"if-none-match": etag}).status_code == 304


def test_members_may_download_more(client, member, catalogue, low_limits):
    client.force_login(member)

    assert [client.get(CSV).status_code for _ in range(6)] == [200] * 5 + [429]


def test_the_limits_are_configured(settings):
    assert settings.ACCOUNT_RATE_LIMITS["export"]
    assert settings.ACCOUNT_RATE_LIMITS["export_member"]
