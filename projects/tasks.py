"""Background tasks of the catalogue (run by the worker, ``manage.py run_worker``)."""

from django.tasks import task

from projects.iati.jobs import run_import


@task
def run_iati_import(import_id: int) -> None:
    """Import an uploaded IATI file (``projects.IATIImport``), a time slice at a time: when
    time is up, a next task goes on where this one stopped."""
    if run_import(import_id):
        run_iati_import.enqueue(import_id)
