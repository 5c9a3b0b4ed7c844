"""The background worker: runs the tasks of Django's Tasks framework (database backend,
``django_tasks_db``), delivers the outbox and forgets old form tokens, and stays up when
the database goes away.

What it adds to ``manage.py db_worker``:

- a database restart or outage does not end it: it waits (1 s, doubling up to 30 s) and
  reconnects, then goes on where it was;
- tasks left RUNNING by a worker that died (``kill -9``, a power cut) run again: at start,
  those claimed under this worker's id (give each worker a stable id: ``--worker-id``,
  the host name by default), and at any time those running for longer than
  ``--stalled-after`` seconds. Every task of the portal may run twice without harm;
- every ``--sweep-interval`` seconds, the outbox's due emails (retries) are sent and old
  form tokens are forgotten, even if no task asked for it, and the apps' scheduled work
  whose time has come is done (``common.periodic``: the library's daily digest…).

Stop it with SIGTERM or Ctrl+C: it finishes the task in hand first.
"""

import logging
import socket
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from common.idempotency import forget_old_submissions
from common.outbox import deliver_due
from common.periodic import run_due_jobs

logger = logging.getLogger("common.worker")

DATABASE_ERRORS = (OperationalError, InterfaceError)
LONGEST_WAIT = 30.0


class Command(BaseCommand):
    help = "Run the background worker (tasks, email outbox); survives database restarts."

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", default=socket.gethostname()[:40])
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--sweep-interval", type=float, default=30.0)
        parser.add_argument("--stalled-after", type=float, default=15 * 60)
        parser.add_argument(
            "--batch", action="store_true", help="Do what is waiting, then exit (for scripts)."
        )

    def handle(
        self, *, worker_id, queue_name, interval, sweep_interval, stalled_after, batch, **options
    ):
        if options["verbosity"] > 0 and not logging.getLogger().handlers:
            logging.basicConfig(
                level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
            )
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=0,
            batch=True,  # one pass over the ready tasks; this command loops around it
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        logger.info("Worker %s started", worker_id)
        started = True
        last_sweep = time.monotonic()  # tasks first; the first sweep after an interval
        wait = 1.0
        while worker.running:
            try:
                close_old_connections()
                if started:
                    requeue_stalled(
                        worker_id=worker_id, older_than=timedelta(seconds=stalled_after), own=True
                    )
                    started = False
                if time.monotonic() - last_sweep >= sweep_interval:
                    requeue_stalled(
                        worker_id=worker_id, older_than=timedelta(seconds=stalled_after)
                    )
                    worker.running_task = True  # a stop signal waits for the round's end
                    try:
                        report = deliver_due(time_limit=max(sweep_interval, 10.0))
                    finally:
                        worker.running_task = False
                    if report["sent"] or report["retry"] or report["failed"]:
                        logger.info("Outbox: %s", dict(report))
                    forget_old_submissions()
                    run_due_jobs()
                    last_sweep = time.monotonic()
                worker.run()
                wait = 1.0
            except DATABASE_ERRORS as error:
                logger.warning("Database unavailable (%s); retrying in %.0f s", error, wait)
                _drop_connections()
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT)
                continue
            if batch:
                return
            if worker.running:
                time.sleep(interval)


def requeue_stalled(*, worker_id: str, older_than: timedelta, own: bool = False) -> int:
    """Put back in the queue the tasks still RUNNING that no worker is running any more:
    with ``own``, those this worker id claimed (it was restarted: nothing of it runs);
    otherwise, those started longer ago than ``older_than``."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    if own:
        running = running.filter(worker_ids__contains=[worker_id])
    else:
        running = running.filter(started_at__lt=timezone.now() - older_than)
    count = running.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("Requeued %s task(s) left running by a stopped worker", count)
    return count


def _drop_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DATABASE_ERRORS:
            connection.connection = None
