import os

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

from tests.factories import MemberFactory, StaffFactory

# Playwright's sync API runs an event loop in the test thread; Django would then refuse
# ORM calls made by the tests themselves.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language, whatever a test before it left
    active (URLs reversed in a test carry the active language)."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Creating accounts would otherwise cost most of a test's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed(db):
    """The real seed catalogue and site pages, as `make run` loads them."""
    call_command("load_seed", verbosity=0)


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def run_tasks(db):
    """``run_tasks()`` does what the background worker would, and returns how many tasks
    ran: first the on-commit callbacks of the test's transaction (which never commits:
    they are what enqueues tasks), then ``manage.py db_worker --batch`` on every task
    waiting in the database. Emails sent by tasks then are in ``mail.outbox``.
    ``run_tasks.commit()`` only runs the on-commit callbacks (tasks are then enqueued, not
    run). Do not combine with ``django_capture_on_commit_callbacks(execute=True)``, which
    leaves the callbacks it ran in place: they would run twice."""
    import signal
    from unittest import mock

    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    def commit() -> None:
        """Run the on-commit callbacks waiting in the test's transaction, once each."""
        while connection.run_on_commit:
            _savepoints, callback, _robust = connection.run_on_commit.pop(0)
            callback()

    def run() -> int:
        commit()
        waiting = DBTaskResult.objects.ready().count()
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        # The worker closes connections it finds inside a transaction (between tasks, as
        # Django does between requests): that would be the test's own transaction.
        # Its signal handlers are put back to pytest's afterwards.
        try:
            with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
                call_command(
                    "db_worker", batch=True, reload=False, startup_delay=False, verbosity=0
                )
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        failed = list(DBTaskResult.objects.failed().values_list("task_path", "traceback"))
        assert not failed, f"background tasks failed: {failed}"
        return waiting

    run.commit = commit
    return run
