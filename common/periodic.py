"""Work the background worker does on a schedule, for the apps above ``common``.

The worker (``manage.py run_worker``) sends the outbox's due emails and forgets old form
tokens at each round of its sweep. An app adds its own scheduled work from its
``AppConfig.ready()``::

    register_periodic("library.digests", send_due_digests, every=timedelta(minutes=5))

and the worker calls ``send_due_digests()`` at its first sweep, then whenever ``every`` has
passed since the last call (in that worker process). A job decides itself what is due (a
daily digest looks at the time of day and at what it announced already): it must do
nothing when called again too early, and nothing twice when two workers call it at once.
A job that fails is logged and tried again at the next sweep; the database going away
stops the round, for the worker to wait and reconnect.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.utils import InterfaceError, OperationalError

logger = logging.getLogger("common.worker")


@dataclass
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every: timedelta
    last_run: float | None = field(default=None)  # time.monotonic() of the last call


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, run: Callable[[], object], *, every: timedelta) -> None:
    """Have the worker call ``run()`` every ``every`` (at least its sweep's interval)."""
    if name in _jobs and _jobs[name].run is not run:
        raise ValueError(f"A periodic job named {name!r} is already registered.")
    _jobs[name] = PeriodicJob(name, run, every)


def periodic_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def run_due_jobs(*, now: float | None = None) -> list[str]:
    """Call the jobs whose time has come; the names of those called."""
    now = time.monotonic() if now is None else now
    called = []
    for job in _jobs.values():
        if job.last_run is not None and now - job.last_run < job.every.total_seconds():
            continue
        job.last_run = now
        called.append(job.name)
        try:
            job.run()
        except (OperationalError, InterfaceError):
            job.last_run = None  # the database went away: again once it is back
            raise
        except Exception:
            logger.exception("Periodic job %s failed; tried again at the next round", job.name)
            job.last_run = None
    return called
