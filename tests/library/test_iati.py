"""The library's resources in the IATI export: each published resource of a project is a
``<document-link>`` of its activity (format, title, description, category, language,
date), one per file or its external address; the files still validate against the
official 2.03 schema; a download kept by the export cache follows the library; the
queries do not grow with the projects and their documents."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from library.models import ExtractionStatus, ResourceFile, ResourceKind, ReviewStatus
from library.uploads import store_file
from projects.iati import SCHEMA_PATH, validation_errors
from projects.models import Project
from tests.factories import ProjectFactory, ResourceFactory
from tests.library.files import docx_bytes, pdf_bytes, upload
from tests.projects.open_data import body

pytestmark = pytest.mark.django_db

IATI = "/fr/projects/iati.xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ICMD = "urn:x-icmd-portal:iati:1"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TRICKY = 'Guide & outils <pilote> « d’Agadez » "été" ]]>\x0b 🌍'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXPORT_CACHE_DIR = str(tmp_path / "exports")


def assert_valid(content: bytes) -> etree._Element:
    """Valid against the official XSD (with lxml directly, and as the import checks it)."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    document = etree.fromstring(content)
    assert schema.validate(document), "\n".join(str(error) for error in schema.error_log)
    assert validation_errors(content) == []
    return document


def activity(root, slug):
    return root.xpath(f"iati-activity[@icmd:slug='{slug}']", namespaces={"icmd": ICMD})[0]


def narratives(node) -> list[tuple[str, str]]:
    return [(n.get(XML_LANG), n.text) for n in node.iterchildren("narrative")]


def links(activity_node) -> list[dict]:
    """What each document link of an activity says, the project's own page left out."""
    found = []
    for link in activity_node.iterchildren("document-link"):
        categories = [category.get("code") for category in link.iterchildren("category")]
        if categories == ["A12"]:
            continue
        description = link.find("description")
        date = link.find("document-date")
        found.append(
            {
                "url": link.get("url"),
                "format": link.get("format"),
                "title": narratives(link.find("title")),
                "description": narratives(description) if description is not None else [],
                "categories": categories,
                "languages": [language.get("code") for language in link.iterchildren("language")],
                "date": date.get("iso-date") if date is not None else None,
            }
        )
    return found


@pytest.fixture
def project(db):
    return ProjectFactory(title="Eau potable à Figuig", slug="figuig-water", country="MA")


@pytest.fixture
def documents(project):
    """A toolkit with a French PDF and an English DOCX, a report that is a link to a PDF
    elsewhere, and resources the export must leave out (waiting, refused, of no project)."""
    published = timezone.make_aware(datetime.datetime(2015, 3, 2, 10))
    toolkit = ResourceFactory(
        title="Guide de l’eau",
        title_en="Water guide",
        summary="Pour les communes.",
        kind=ResourceKind.TOOLKIT,
        languages=["fr", "en"],
        url="",
        published_at=published,
        projects=[project],
    )
    french = store_file(
        resource=toolkit, language="fr", uploaded=upload("guide.pdf", pdf_bytes(["L’eau."]))
    )
    english = store_file(
        resource=toolkit, language="en", uploaded=upload("guide.docx", docx_bytes(["Water."]))
    )
    report = ResourceFactory(
        title="Rapport d’évaluation",
        title_en="",
        summary="",
        kind=ResourceKind.REPORT,
        languages=["fr", "es"],
        url="https://example.org/evaluation/figuig.pdf",
        published_at=published + datetime.timedelta(days=1),
        projects=[project],
    )
    ResourceFactory(title="En attente", status=ReviewStatus.PENDING, projects=[project])
    ResourceFactory(title="Refusée", status=ReviewStatus.REFUSED, projects=[project])
    ResourceFactory(title="D’aucun projet")
    return {"toolkit": toolkit, "french": french, "english": english, "report": report}


def test_a_project_s_resources_are_document_links_and_the_file_validates(
    client, project, documents
):
    for url in (IATI, "/fr/projects/figuig-water/iati.xml"):
        root = assert_valid(body(client.get(url)))
        guide_title = [("fr", "Guide de l’eau"), ("en", "Water guide")]
        assert links(activity(root, "figuig-water")) == [
            {
                "url": "https://example.org/evaluation/figuig.pdf",
                "format": PDF,
                "title": [("fr", "Rapport d’évaluation")],
                "description": [],
                "categories": ["A07"],  # review of project performance and evaluation
                "languages": ["fr", "es"],
                "date": "2015-03-03",
            },
            {
                "url": f"http://testserver/fr/library/files/{documents['english'].pk}/download/",
                "format": DOCX,
                "title": guide_title,
                "description": [("fr", "Pour les communes.")],
                "categories": ["A08"],
                "languages": ["en"],
                "date": "2015-03-02",
            },
            {
                "url": f"http://testserver/fr/library/files/{documents['french'].pk}/download/",
                "format": PDF,
                "title": guide_title,
                "description": [("fr", "Pour les communes.")],
                "categories": ["A08"],  # results, outcomes and outputs
                "languages": ["fr"],
                "date": "2015-03-02",
            },
        ]


def test_the_links_lead_to_the_files(client, project, documents):
    root = assert_valid(body(client.get(IATI)))
    url = links(activity(root, "figuig-water"))[2]["url"]  # the French PDF
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_link_whose_address_names_no_type_is_a_web_page(client, project):
    ResourceFactory(
        title="Vidéo",
        kind=ResourceKind.VIDEO,
        url="https://video.example.org/v/42",
        projects=[project],
    )
    root = assert_valid(body(client.get(IATI)))
    (link,) = links(activity(root, "figuig-water"))
    assert (link["url"], link["format"]) == ("https://video.example.org/v/42", "text/html")


def test_tricky_text_validates_and_comes_through(client, project):
    ResourceFactory(title=TRICKY, title_en="", summary=f"Résumé : {TRICKY}", projects=[project])
    root = assert_valid(body(client.get("/fr/projects/figuig-water/iati.xml")))
    (link,) = links(activity(root, "figuig-water"))
    expected = TRICKY.replace("\x0b", "")
    assert link["title"] == [("fr", expected)]
    assert link["description"] == [("fr", f"Résumé : {expected}")]


def test_a_project_without_resources_is_unchanged(client, project):
    root = assert_valid(body(client.get(IATI)))
    assert links(activity(root, "figuig-water")) == []
    pages = activity(root, "figuig-water").findall("document-link")
    assert [page.find("category").get("code") for page in pages] == ["A12"]


def test_a_kept_download_is_written_again_when_a_resource_changes(client, project, documents):
    first = client.get(IATI)
    assert len(links(activity(assert_valid(body(first)), "figuig-water"))) == 3
    again = client.get(IATI, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304

    report = documents["report"]
    with transaction.atomic():  # as the request or the task that made it would
        report.status = ReviewStatus.REFUSED
        report.save()
    changed = client.get(IATI, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert len(links(activity(assert_valid(body(changed)), "figuig-water"))) == 2

    with transaction.atomic():
        ResourceFactory(title="Nouvelle", projects=[project])
    newer = client.get(IATI, headers={"if-none-match": changed["ETag"]})
    assert len(links(activity(assert_valid(body(newer)), "figuig-water"))) == 3


def count_queries(client, url: str) -> tuple[int, bytes]:
    """The queries of ``url``, but for the rate limits' bookkeeping, and its content."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        content = body(response)
    assert response.status_code == 200, url
    bookkeeping = [
        query
        for query in queries
        if '"cache_table"' in query["sql"] or query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    return len(queries) - len(bookkeeping), content


def add_projects_with_documents(count: int) -> None:
    """``count`` projects, each with a published resource of two files."""
    for _number in range(count):
        project = ProjectFactory()
        resource = ResourceFactory(url="", projects=[project])
        for language in ("fr", "en"):
            ResourceFile.objects.create(
                resource=resource,
                language=language,
                file=f"library/test/{resource.pk}-{language}.pdf",
                original_name="document.pdf",
                content_type=PDF,
                size=10,
                extracted_text="Un long texte. " * 1000,
                extraction=ExtractionStatus.DONE,
            )


@pytest.mark.parametrize("url", [IATI, "one project"])
def test_queries_do_not_grow_with_the_projects_and_their_documents(client, url):
    add_projects_with_documents(5)
    address = (
        url if url == IATI else f"/fr/projects/{Project.objects.order_by('pk')[0].slug}/iati.xml"
    )
    few, content = count_queries(client, address)
    assert content.count(b"<document-link") == (15 if url == IATI else 3)

    add_projects_with_documents(55)
    many, content = count_queries(client, address)
    assert many == few
    if url == IATI:
        assert content.count(b"<document-link") == 180
    assert b"Un long texte" not in content
