"""Background tasks of the library (run by the worker, ``manage.py run_worker``)."""

import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from common.signals import rows_changed
from library import extraction
from library.models import ExtractionStatus, Resource, ResourceFile

logger = logging.getLogger("library.extraction")


@task
def extract_text(resource_file_id: int) -> dict:
    """Read the text inside a PDF, DOCX or ODT file of the library and keep it for the site
    search, which then indexes the file's resource again. A file whose text cannot be read
    keeps its place (and its resource stays published): the failure is kept and logged.
    Running it again reads the file again."""
    resource_file = (
        ResourceFile.objects.filter(pk=resource_file_id)
        .only("pk", "resource_id", "file", "content_type", "original_name")
        .first()
    )
    if resource_file is None:
        return {"status": "gone"}
    started = timezone.now()
    try:
        with resource_file.file.open("rb") as source:
            text = extraction.extract(source, resource_file.content_type)
    except Exception as error:  # whatever a damaged file makes the readers raise
        logger.warning(
            "Text extraction failed for library file %s (“%s”, resource %s): %s: %s",
            resource_file.pk,
            resource_file.original_name,
            resource_file.resource_id,
            type(error).__name__,
            error,
            exc_info=not isinstance(error, extraction.ExtractionError),
        )
        values = {
            "extraction": ExtractionStatus.FAILED,
            "extracted_text": "",
            "extraction_error": f"{type(error).__name__}: {error}"[:2000],
        }
    else:
        values = {
            "extraction": ExtractionStatus.DONE,
            "extracted_text": text,
            "extraction_error": "",
        }
    with transaction.atomic():
        ResourceFile.objects.filter(pk=resource_file.pk).update(**values)
        # The site search indexes the resource again, with its files' text.
        rows_changed.send(sender=Resource, ids=[resource_file.resource_id])
    return {
        "status": values["extraction"],
        "characters": len(values["extracted_text"]),
        "seconds": round((timezone.now() - started).total_seconds(), 3),
    }
