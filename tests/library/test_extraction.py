"""The text inside the library's documents, read by the worker for the site search: a
phrase that appears only deep inside a file is kept with it."""

import logging

import pytest
from django_tasks_db.models import DBTaskResult

from library.models import ExtractionStatus, ResourceFile
from library.uploads import store_file
from tests.factories import ResourceFactory
from tests.library import files

PHRASE = "codéveloppement des territoires d'Upala"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def reindex_requests() -> list:
    """The site search's indexing tasks waiting, as the resources they name."""
    return [
        task.args_kwargs["kwargs"]["changed"].get("library.resource", [])
        for task in DBTaskResult.objects.ready().filter(task_path="search.tasks.reindex")
    ]


DOCUMENTS = {
    "rapport.pdf": lambda: files.pdf_bytes(
        [f"Page {number}: la coopération décentralisée." for number in range(1, 12)] + [PHRASE]
    ),
    "guide.docx": lambda: files.docx_bytes(["Introduction", "Méthode", PHRASE]),
    "guide.odt": lambda: files.odt_bytes(["Introduction", "Méthode", PHRASE]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_text_inside_a_document_is_kept_for_the_search(media, run_tasks, name):
    resource = ResourceFactory()
    resource_file = store_file(
        resource=resource, language="fr", uploaded=files.upload(name, DOCUMENTS[name]())
    )
    assert resource_file.extraction == ExtractionStatus.WAITING

    assert run_tasks() >= 1

    resource_file.refresh_from_db()
    assert resource_file.extraction == ExtractionStatus.DONE
    assert PHRASE in resource_file.extracted_text
    assert resource_file.extraction_error == ""
    # The site search is asked to index the resource again, now with the file's text.
    run_tasks.commit()
    assert [resource.pk] in reindex_requests()


@pytest.mark.django_db
def test_a_phrase_on_page_twelve_alone_is_found_in_the_text(media, run_tasks):
    resource_file = store_file(
        resource=ResourceFactory(),
        language="fr",
        uploaded=files.upload("rapport.pdf", DOCUMENTS["rapport.pdf"]()),
    )
    run_tasks()

    text = ResourceFile.objects.get(pk=resource_file.pk).extracted_text
    assert text.count("coopération décentralisée") == 11
    assert text.index(PHRASE) > text.index("Page 11")


@pytest.mark.django_db
def test_a_broken_pdf_is_still_stored_and_published_with_the_failure_logged(
    media, run_tasks, caplog
):
    resource = ResourceFactory()
    resource_file = store_file(
        resource=resource,
        language="fr",
        uploaded=files.upload("abîmé.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catal"),
    )

    with caplog.at_level(logging.WARNING, logger="library.extraction"):
        run_tasks()

    resource_file.refresh_from_db()
    assert resource_file.extraction == ExtractionStatus.FAILED
    assert resource_file.extraction_error
    assert resource_file.extracted_text == ""
    assert (media / resource_file.file.name).exists()
    resource.refresh_from_db()
    assert resource.is_published
    assert any(
        "abîmé.pdf" in record.getMessage() and record.levelno == logging.WARNING
        for record in caplog.records
    )


def extraction_tasks():
    return DBTaskResult.objects.filter(task_path="library.tasks.extract_text")


@pytest.mark.django_db
def test_images_and_tables_wait_for_no_extraction(media, run_tasks):
    resource_file = store_file(
        resource=ResourceFactory(),
        language="fr",
        uploaded=files.upload("carte.png", files.png_bytes()),
    )
    run_tasks.commit()

    assert resource_file.extraction == ExtractionStatus.NOT_APPLICABLE
    assert not extraction_tasks().exists()


@pytest.mark.django_db
def test_a_file_deleted_before_the_worker_reads_it_is_no_failure(media, run_tasks):
    resource_file = store_file(
        resource=ResourceFactory(),
        language="fr",
        uploaded=files.upload("guide.odt", DOCUMENTS["guide.odt"]()),
    )
    run_tasks.commit()
    resource_file.delete()

    run_tasks()  # fails the test if a task failed

    assert extraction_tasks().get().return_value == {"status": "gone"}
