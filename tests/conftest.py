import os
import shutil

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


@pytest.fixture(autouse=True)
def _pages_rendered_each_time(settings):
    """Pages are rendered at each request, as the tests of what a page shows and of its
    queries expect; tests/icmd/test_page_cache.py turns the cache of whole pages on."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def seed(db):
    """The real seed catalogue and site pages, as `make run` loads them."""
    call_command("load_seed", verbosity=0)


def _catalogue_of_types(cursor) -> tuple:
    """The ids of the content types and permissions, which the seed's rows refer to: a test
    on a transactional database flushes them, and they come back with new ids."""
    cursor.execute(
        "SELECT (SELECT md5(string_agg(id || app_label || model, ',' ORDER BY id))"
        " FROM django_content_type),"
        " (SELECT md5(string_agg(id || codename, ',' ORDER BY id)) FROM auth_permission)"
    )
    return cursor.fetchone()


def _take_seed_rows(cursor) -> tuple[dict, dict]:
    """What ``load_seed`` writes into the empty database, read in a savepoint then rolled
    back: each table's rows as ``COPY`` data, and the highest id of each id sequence."""
    from django.db import connection, transaction

    def counts(tables):
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables))
        return dict(cursor.fetchall())

    rows, highest_ids = {}, {}
    with transaction.atomic():
        tables = connection.introspection.table_names(cursor)
        before = counts(tables)
        call_command("load_seed", verbosity=0)
        written = [t for t, count in counts(tables).items() if count != before[t]]
        assert not [t for t in written if before[t]], "the test database was not empty"
        for table in written:
            with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                rows[table] = b"".join(bytes(block) for block in copy)
            key = connection.introspection.get_primary_key_column(cursor, table)
            cursor.execute(
                f'SELECT pg_get_serial_sequence(%s, %s), max("{key}") FROM "{table}"', [table, key]
            )
            sequence, highest = cursor.fetchone()
            if sequence:
                highest_ids[sequence] = highest
        transaction.set_rollback(True)
    return rows, highest_ids


@pytest.fixture(scope="session")
def _seed_rows(django_db_setup, django_db_blocker):
    """The seed's rows, taken once per session, and again after a test on a transactional
    database has given the content types new ids (keyed by those ids)."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        return {_catalogue_of_types(cursor): _take_seed_rows(cursor)}


@pytest.fixture
def seed_copy(db, _seed_rows):
    """The same rows as ``seed`` (catalogue, pages, forums, their history and search index),
    copied in from one load of the seed in a few milliseconds instead of running
    ``load_seed`` (2–4 s). Unlike ``seed``, nothing waits to run on commit: tests of loading
    the seed, or of what its commit sets off, use ``seed``."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        types = _catalogue_of_types(cursor)
        if types not in _seed_rows:
            tables = next(iter(_seed_rows.values()))[0]
            cursor.execute(" UNION ALL ".join(f'(SELECT 1 FROM "{t}" LIMIT 1)' for t in tables))
            if cursor.fetchone():  # rows made before this fixture: load the seed itself
                call_command("load_seed", verbosity=0)
                return
            _seed_rows[types] = _take_seed_rows(cursor)
        rows, highest_ids = _seed_rows[types]
        with transaction.atomic():
            for table, data in rows.items():
                with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                    copy.write(data)
            # Foreign keys checked now rather than at a commit that never comes.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            # The rows a test makes never take an id of the copy, even after a sequence reset.
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT setval(%s::regclass, greatest(%s, last_value)) FROM {sequence}"
                    for sequence in highest_ids
                ),
                [value for item in highest_ids.items() for value in item],
            )


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


# --- Chromium for the browser tests (tests/browser/, and elsewhere, such as
# tests/library/test_library_browser.py): one Playwright for the whole session, which a
# second one in the same thread could not start beside. ------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            f"Chromium not found at {path}: install it (apt-get install chromium) "
            "or set CHROMIUM_PATH."
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
