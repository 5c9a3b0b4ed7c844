"""The library and the events in the site search: resources found by their title, summary
and the text inside their files (a phrase only on page 12 of a PDF), under "Library";
events under "Events"; only what is published; the index follows publishing, new files,
renamed themes and deletions, after commit and in the background.

Each search first lets the background worker run (``run_tasks``): it extracts the files'
text, then indexes what changed, as it does between someone saving something and someone
else searching for it."""

import datetime
import random
import string

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from library.models import ExtractionStatus, ResourceFile, ReviewStatus
from library.uploads import store_file
from search.documents import FILE_TEXT_LIMIT
from search.models import SearchDocument, SearchDocumentKind
from tests.factories import (
    EventFactory,
    OrganisationFactory,
    ResourceFactory,
    ThemeFactory,
)
from tests.html import find, find_all, parse, text, tr
from tests.library.files import docx_bytes, odt_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db

SEARCH = "/fr/search/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def work(run_tasks) -> None:
    """The worker, until nothing is left to do (a file's text extracted is then indexed)."""
    while run_tasks():
        pass


def search(client, run_tasks, words, language="fr", **params):
    work(run_tasks)
    response = client.get(f"/{language}/search/", {"q": words, **params})
    assert response.status_code == 200, response.content.decode()[:500]
    return response


def sections(response) -> dict[str, list[str]]:
    """Each section's heading (without its count) and its results' titles."""
    found = {}
    for section in find_all(parse(response), "section", "search-section"):
        heading = text(find(section, "h2")).rsplit(" (", 1)[0]
        found[heading] = [
            text(find(find(item, "h3"), "a")) for item in find_all(section, "li", "search-result")
        ]
    return found


def links(response) -> list[str]:
    return [
        find(find(item, "h3"), "a").attrs["href"]
        for item in find_all(parse(response), "li", "search-result")
    ]


def with_file(resource, name, content, language="fr"):
    return store_file(resource=resource, language=language, uploaded=upload(name, content))


LIBRARY, EVENTS = "Library", "Events"


# The library


def test_a_resource_is_found_by_its_title_and_summary_under_library(client, run_tasks):
    resource = ResourceFactory(
        title="Guide de la coopération décentralisée",
        title_en="Guide to decentralised cooperation",
        summary="Comment les communes travaillent avec leur diaspora.",
    )
    response = search(client, run_tasks, "coopération décentralisée")
    assert sections(response) == {tr(LIBRARY): ["Guide de la coopération décentralisée"]}
    assert links(response) == [resource.get_absolute_url()]

    english = search(client, run_tasks, "diaspora", language="en")
    assert sections(english) == {tr(LIBRARY, "en"): ["Guide to decentralised cooperation"]}
    assert links(english) == [f"/en/library/{resource.slug}/"]
    meta = text(find(parse(english), "p", "meta"))
    assert meta.startswith(tr("Library resource", "en"))


def test_a_phrase_only_on_page_twelve_of_a_pdf_finds_it(client, run_tasks):
    """Found, and shown marked in its passage: eleven pages of about 3,000 characters come
    before it."""
    filler = " ".join(["Généralités sur le programme et ses partenaires."] * 60)
    pages = [f"Page {number} : {filler}" for number in range(1, 12)]
    pages.append("Les tontines villageoises de Kolda financent les puits de Vélingara.")
    resource = ResourceFactory(title="Rapport annuel", summary="Un rapport.")
    with_file(resource, "rapport.pdf", pdf_bytes(pages))
    for words in ["tontines villageoises", '"tontines villageoises de Kolda"', "TONTINE"]:
        response = search(client, run_tasks, words)
        assert sections(response) == {tr(LIBRARY): ["Rapport annuel"]}, words
    assert resource.files.get().extraction == ExtractionStatus.DONE

    for words, marked in [("Kolda", "Kolda"), ("velingara", "Vélingara")]:
        snippet = find(parse(search(client, run_tasks, words)), "p", "snippet")
        assert marked in [text(mark) for mark in find_all(snippet, "mark")], words
        assert "tontines villageoises" in text(snippet)


def test_the_text_of_docx_and_odt_files_in_each_language_is_found(client, run_tasks):
    resource = ResourceFactory(title="Boîte à outils", title_en="Toolkit", languages=["fr", "en"])
    with_file(resource, "outils.docx", docx_bytes(["Les jumelages entre municipalités."]))
    with_file(resource, "tools.odt", odt_bytes(["Hometown associations remit."]), language="en")

    for words, language, title in [
        ("jumelages", "fr", "Boîte à outils"),
        ("hometown associations", "en", "Toolkit"),
    ]:
        response = search(client, run_tasks, words, language=language)
        assert sections(response) == {tr(LIBRARY, language): [title]}, words
    # The English text, found from a French page, shows in English and says so.
    item = find(parse(search(client, run_tasks, "hometown")), "li", "search-result")
    assert find(item, "span", lang="en")


def test_a_file_in_another_language_is_found_too(client, run_tasks):
    resource = ResourceFactory(title="Relatório", languages=["pt"])
    with_file(
        resource, "relatorio.pdf", pdf_bytes(["Cooperativas de pescadores em Mindelo."]), "pt"
    )
    assert sections(search(client, run_tasks, "Mindelo")) == {tr(LIBRARY): ["Relatório"]}


def test_resources_waiting_for_review_or_refused_are_not_found(client, run_tasks, staff):
    ResourceFactory(title="Palmeraie en attente", status=ReviewStatus.PENDING, published_at=None)
    refused = ResourceFactory(title="Palmeraie refusée", status=ReviewStatus.REFUSED)
    assert not sections(search(client, run_tasks, "palmeraie"))

    refused.status, refused.refusal_reason = ReviewStatus.PUBLISHED, ""
    refused.save()
    assert sections(search(client, run_tasks, "palmeraie")) == {tr(LIBRARY): ["Palmeraie refusée"]}


def test_a_resource_is_found_by_its_publisher_theme_country_and_kind(client, run_tasks):
    theme = ThemeFactory(name="Genre", name_en="Gender", name_es="Género")
    publisher = OrganisationFactory(name="Commune de Kaolack")
    ResourceFactory(title="Étude de cas", publisher=publisher, countries=["SN"], themes=[theme])
    for words in ["Kaolack", "gender", "Senegal", "Sénégal", "étude de cas"]:
        assert sections(search(client, run_tasks, words)) == {tr(LIBRARY): ["Étude de cas"]}, words

    theme.name = "Égalité"
    theme.save()
    assert sections(search(client, run_tasks, "égalité")) == {tr(LIBRARY): ["Étude de cas"]}
    publisher.name = "Ville de Kaolack"
    publisher.save()
    assert sections(search(client, run_tasks, "ville kaolack")) == {tr(LIBRARY): ["Étude de cas"]}


def test_the_index_follows_files_removed_and_resources_deleted(client, run_tasks):
    resource = ResourceFactory(title="Rapport")
    with_file(resource, "rapport.pdf", pdf_bytes(["Les pirogues de Saint-Louis."]))
    assert sections(search(client, run_tasks, "pirogues"))

    resource.files.get().delete()
    assert not sections(search(client, run_tasks, "pirogues"))
    assert sections(search(client, run_tasks, "rapport"))
    resource.delete()
    assert not sections(search(client, run_tasks, "rapport"))
    assert not SearchDocument.objects.filter(kind=SearchDocumentKind.RESOURCE).exists()


def test_a_very_long_document_is_indexed_up_to_a_limit(client, run_tasks):
    """A file's text beyond what PostgreSQL keeps in one document's words (1 MiB) is not
    indexed, and never stops the index: words all different, the worst case."""
    rng = random.Random(5)
    words = " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _letter in range(8))
        for _word in range(110_000)
    )
    resource = ResourceFactory(title="Annexe statistique")
    resource_file = with_file(resource, "annexe.pdf", pdf_bytes(["Début."]))
    work(run_tasks)
    ResourceFile.objects.filter(pk=resource_file.pk).update(
        extracted_text=f"Zanzibarite {words} Finisterrite"
    )
    resource_file.save(update_fields=["extraction"])  # as extraction does: indexed again

    assert len(words) > 3 * FILE_TEXT_LIMIT
    assert sections(search(client, run_tasks, "zanzibarite")) == {tr(LIBRARY): [resource.title]}
    assert not sections(search(client, run_tasks, "finisterrite"))


# Events


def test_an_event_is_found_under_events_before_and_after_it_takes_place(client, run_tasks):
    theme = ThemeFactory(name="Transferts de fonds", name_en="Remittances")
    EventFactory(
        title="Atelier sur les transferts",
        title_en="Workshop on remittances",
        description="Avec les associations de migrants de Dakar.",
        themes=[theme],
    )
    past = EventFactory(
        title="Conférence de Rabat",
        starts_at=timezone.now() - datetime.timedelta(days=30),
        ends_at=timezone.now() - datetime.timedelta(days=29),
        online=False,
        country="MA",
        city="Rabat",
        published_at=timezone.now() - datetime.timedelta(days=60),
    )
    assert sections(search(client, run_tasks, "associations migrants")) == {
        tr(EVENTS): ["Atelier sur les transferts"]
    }
    assert sections(search(client, run_tasks, "remittances", language="en")) == {
        tr(EVENTS, "en"): ["Workshop on remittances"]
    }
    for words in ["Rabat", "Morocco", "Marruecos"]:
        response = search(client, run_tasks, words)
        assert sections(response) == {tr(EVENTS): ["Conférence de Rabat"]}, words
    assert links(response) == [past.get_absolute_url()]
    # Shown as an event, without the day it was published, which is not when it takes place.
    assert text(find(parse(response), "p", "meta")) == tr("Event")


def test_events_waiting_for_review_are_not_found(client, run_tasks):
    proposed = EventFactory(title="Forum de Praia", status=ReviewStatus.PENDING, published_at=None)
    assert not sections(search(client, run_tasks, "Praia"))
    proposed.status, proposed.published_at = ReviewStatus.PUBLISHED, timezone.now()
    proposed.save()
    assert sections(search(client, run_tasks, "Praia")) == {tr(EVENTS): ["Forum de Praia"]}


def test_library_and_events_sit_beside_the_other_sections_and_have_their_own_pages(
    client, run_tasks
):
    for number in range(7):
        ResourceFactory(title=f"Oasis {number}")
    EventFactory(title="Oasis en fête")
    response = search(client, run_tasks, "oasis")
    found = sections(response)
    assert list(found) == [tr(LIBRARY), tr(EVENTS)]
    assert len(found[tr(LIBRARY)]) == 5
    assert "kind=library" in response.content.decode()

    library = search(client, run_tasks, "oasis", kind="library")
    assert len(sections(library)[tr(LIBRARY)]) == 7
    events = search(client, run_tasks, "oasis", kind="events")
    assert sections(events) == {tr(EVENTS): ["Oasis en fête"]}


def test_query_count_does_not_grow_with_resources_and_events(client, run_tasks):
    def queries(params):
        work(run_tasks)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SEARCH, {"q": "palmeraie", **params})
        assert response.status_code == 200
        assert sections(response)
        return len(captured)

    def make(start, count):
        for number in range(start, start + count):
            resource = ResourceFactory(title=f"Palmeraie {number}")
            ResourceFile.objects.create(
                resource=resource,
                language="fr",
                file=f"library/test/{number}.pdf",
                original_name="palmeraie.pdf",
                content_type="application/pdf",
                size=10,
                extracted_text=f"La palmeraie numéro {number}.",
                extraction=ExtractionStatus.DONE,
            )
            EventFactory(title=f"Palmeraie {number}")

    make(0, 5)
    small = {kind: queries({"kind": kind} if kind else {}) for kind in ("", "library", "events")}
    make(5, 120)
    large = {kind: queries({"kind": kind} if kind else {}) for kind in ("", "library", "events")}
    # All sections: the stop-word check, the results with their counts, their marked text;
    # one section: the stop-word check, its count, the page, the marked text.
    assert small == large == {"": 3, "library": 4, "events": 4}
