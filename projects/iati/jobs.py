"""An IATI import uploaded in the admin (``projects.IATIImport``), run by the worker.

``start_import`` keeps the uploaded file and has the worker run it after the commit (a
small one is run at once, by the request); ``run_import`` is what the worker runs:

1. the whole file is checked against the schema, nothing written (``validating``); an
   invalid file fails the import with the schema's complaints, and nothing has changed;
2. its activities are applied in batches (``importing``), each batch one short transaction
   that also records its activities' outcomes and the progress: the page shows what is
   committed, and a staff member saving a project meanwhile waits a batch at most.

A run works for ``TIME_SLICE`` seconds at most, then asks for another to go on where it
stopped, so that the worker's other tasks (emails) are not held up by a big file. A run
that dies (the worker killed, the machine restarted) is run again by the worker: it goes on
after the last committed batch. A session lock on the import keeps two runs of the same
import from working at once. The file is deleted when the import ends.
"""

import logging
import time
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.iati.importer import FileImport
from projects.iati.schema import InvalidIATIFile
from projects.models import IATIImport, IATIImportActivity, IATIImportStatus

logger = logging.getLogger(__name__)

# Seconds a run works before it leaves the rest to a next one.
TIME_SLICE = 60.0
# Files up to this size (some 30 activities) are imported in the request that uploads them:
# the page shows the report at once (a few seconds), with no wait for the worker.
RUN_AT_ONCE_MAX_BYTES = 128 * 1024
# The progress of the check is written every this many activities.
CHECK_PROGRESS_EVERY = 500


def start_import(*, upload, dry_run: bool, user, language: str) -> IATIImport:
    """Keep ``upload`` (an uploaded file, copied in chunks: never whole in memory) as a new
    import. A large one is run by the worker once the transaction commits; a small one is
    for the caller to run at once (``runs_at_once``), after the commit."""
    from projects.tasks import run_iati_import

    iati_import = IATIImport(
        file_name=upload.name[:255],
        size=upload.size,
        dry_run=dry_run,
        language=language,
        created_by=user,
    )
    iati_import.file.save(upload.name, upload, save=False)
    iati_import.save()
    if not runs_at_once(iati_import):
        transaction.on_commit(lambda: run_iati_import.enqueue(iati_import.pk))
    return iati_import


def runs_at_once(iati_import: IATIImport) -> bool:
    return iati_import.size <= RUN_AT_ONCE_MAX_BYTES


def run_import(import_id: int, *, whole: bool = False) -> bool:
    """Check, then apply, the import's file, from where it stands, for ``TIME_SLICE``
    seconds (or to the end: ``whole``); True when time ran out and a next run must go on."""
    with import_lock(import_id) as locked:
        if not locked:
            return False  # another run is at it
        iati_import = IATIImport.objects.filter(pk=import_id).first()
        if iati_import is None or not iati_import.running:
            return False
        with translation.override(iati_import.language or None):
            try:
                return Run(iati_import, None if whole else TIME_SLICE).go_on()
            except Exception as error:
                logger.exception("IATI import %s stopped", import_id)
                finish(
                    iati_import,
                    IATIImportStatus.FAILED,
                    failure=_(
                        "The import stopped on an error: %(error)s. The activities applied "
                        "before it stay; import the file again to apply the others (those "
                        "already applied are then unchanged)."
                    )
                    % {"error": error},
                )
                return False


class Run:
    """One run of an import: up to ``time_limit`` seconds of work."""

    def __init__(self, iati_import: IATIImport, time_limit: float | None):
        self.iati_import = iati_import
        self.deadline = None if time_limit is None else time.monotonic() + time_limit

    def go_on(self) -> bool:
        iati_import = self.iati_import
        with iati_import.file.open("rb") as source:
            file_import = FileImport(
                source, dry_run=iati_import.dry_run, user=iati_import.created_by
            )
            if iati_import.status != IATIImportStatus.IMPORTING:
                if not self.check(file_import):
                    return False
            done = file_import.apply(
                self.record, start=iati_import.processed, keep_going=self.has_time
            )
        if done < iati_import.total:
            return True
        finish(iati_import, IATIImportStatus.DONE)
        return False

    def check(self, file_import: FileImport) -> bool:
        iati_import = self.iati_import
        update(iati_import, status=IATIImportStatus.VALIDATING, started=timezone.now())

        def checked(count: int) -> None:
            if count % CHECK_PROGRESS_EVERY == 0:
                update(iati_import, checked=count)

        try:
            total = file_import.check(checked)
        except InvalidIATIFile as invalid:
            finish(
                iati_import,
                IATIImportStatus.FAILED,
                failure=f"{invalid.message} {_('Nothing was imported.')}",
                errors=invalid.errors,
            )
            return False
        update(iati_import, status=IATIImportStatus.IMPORTING, checked=total, total=total)
        return True

    def record(self, outcomes) -> None:
        """Within the batch's transaction: its activities' outcomes and the progress."""
        iati_import = self.iati_import
        IATIImportActivity.objects.bulk_create(
            IATIImportActivity(
                iati_import=iati_import,
                position=item.position,
                line=item.line,
                identifier=item.identifier,
                titles=item.titles,
                outcome=item.outcome,
                reason=item.reason,
                notes=item.notes,
                # A check only rolled the project back: there is none to link to.
                project=None if iati_import.dry_run else item.project,
            )
            for item in outcomes
        )
        counts = {}
        for item in outcomes:
            counts[item.outcome] = counts.get(item.outcome, 0) + 1
        update(
            iati_import,
            processed=F("processed") + len(outcomes),
            **{f"{outcome}_count": F(f"{outcome}_count") + n for outcome, n in counts.items()},
        )

    def has_time(self) -> bool:
        return self.deadline is None or time.monotonic() < self.deadline


def update(iati_import: IATIImport, **values) -> None:
    """Write ``values`` (and keep the object in step with the row)."""
    IATIImport.objects.filter(pk=iati_import.pk).update(**values)
    if any(hasattr(value, "resolve_expression") for value in values.values()):
        iati_import.refresh_from_db(fields=list(values))
    else:
        for name, value in values.items():
            setattr(iati_import, name, value)


def finish(iati_import: IATIImport, status: str, **values) -> None:
    """The import ends: its status, and its file deleted (its name and size are kept)."""
    if iati_import.file:
        iati_import.file.delete(save=False)
    update(iati_import, status=status, finished=timezone.now(), file="", **values)


@contextmanager
def import_lock(import_id: int):
    """A PostgreSQL session lock on the import, held while this run works (across its
    transactions) and let go if the process dies: True when this run has it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(hashtext('projects.iati_import'), %s)", [import_id]
        )
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(hashtext('projects.iati_import'), %s)",
                    [import_id],
                )
