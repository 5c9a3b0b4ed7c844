"""The worker (``manage.py run_worker``) as a real process: killed with SIGKILL in the
middle of a batch, the next one sends what is left and nothing twice; a database restart
or outage does not end it."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from common.mail import RenderedEmail, outgoing_email
from common.models import OutgoingEmail
from common.outbox import queue_emails
from icmd import localdb
from tests.common.smtp import SMTPServer

pytestmark = pytest.mark.django_db(transaction=True)


def database_url(database: str | None = None, host: str | None = None) -> str:
    db = connection.settings_dict
    user = db["USER"] or localdb.SUPERUSER
    host = host or db["HOST"] or db["OPTIONS"].get("host") or "localhost"
    if host.startswith("/"):
        return f"postgres://{user}@/{database or db['NAME']}?host={host}"
    port = db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{database or db['NAME']}"


def start_worker(
    *, database: str, email_url: str, worker_id: str, batch: bool = False, sweep: float = 1
):
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "EMAIL_URL": email_url,
        "DJANGO_DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "manage.py",
        "run_worker",
        f"--worker-id={worker_id}",
        "--interval=0.2",
        f"--sweep-interval={sweep}",
        "--verbosity=1",
    ]
    if batch:
        command.append("--batch")
    return subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_batch_leaves_the_rest_to_the_next_one_and_nothing_twice():
    rendered = RenderedEmail(subject="Nouvelle réponse", body="Bonjour.", language="fr")
    addresses = [f"follower{n}@example.org" for n in range(60)]
    with transaction.atomic():
        queue_emails(outgoing_email(rendered, a, cause="forums.post:1") for a in addresses)
    assert DBTaskResult.objects.ready().count() == 1

    with SMTPServer() as server:
        email_url = f"smtp://127.0.0.1:{server.port}?tls=0&timeout=5"
        server.handler.hold_at = 21  # the server is busy with the 21st when the worker dies
        # The delivery task sends them (the periodic round, for retries, is far off).
        worker = start_worker(
            database=database_url(), email_url=email_url, worker_id="w1", sweep=3600
        )
        try:
            if not server.handler.holding.wait(60):
                worker.kill()
                raise AssertionError(f"the worker sent nothing: {worker.communicate()[0]}")
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
        server.handler.release.set()
        assert len(server.handler.recipients()) == 20
        assert OutgoingEmail.objects.filter(status="sent").count() == 20
        # The task the dead worker was running stays RUNNING.
        assert DBTaskResult.objects.filter(status="RUNNING").count() == 1

        # Its database session ends with it; the next worker (same id) takes over.
        wait_for(lambda: unlocked_pending() == 40, 10, "the dead worker's lock to go")
        again = start_worker(
            database=database_url(), email_url=email_url, worker_id="w1", batch=True, sweep=3600
        )
        output, _ = again.communicate(timeout=120)
        assert again.returncode == 0, output

        received = server.handler.recipients()
        assert sorted(received) == sorted(addresses)  # every follower exactly once
    assert OutgoingEmail.objects.filter(status="sent").count() == 60
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()


def unlocked_pending() -> int:
    with transaction.atomic():
        return len(
            OutgoingEmail.objects.filter(status="pending").select_for_update(skip_locked=True)
        )


# --- A database of its own, to restart under the worker ------------------------------------


class Cluster:
    """A throwaway PostgreSQL server (a Unix socket in a temporary folder), holding a copy
    of the test database's tables, that the test can stop and start."""

    def __init__(self):
        self.bindir = localdb.find_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="icmd-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "run"
        self.sockets.mkdir()
        for path in (self.root, self.sockets):
            path.chmod(0o755)
        if localdb._is_root():
            shutil.chown(self.root, user=localdb.SUPERUSER)
            shutil.chown(self.sockets, user=localdb.SUPERUSER)

    def run(self, *args, check=True):
        return localdb._run(
            [str(self.bindir / args[0]), *args[1:]], check=check, capture_output=True
        )

    def init(self):
        self.run("initdb", "-D", str(self.data), "-U", localdb.SUPERUSER, "--auth=trust")
        self.start()
        self.run("createdb", "-h", str(self.sockets), "-U", localdb.SUPERUSER, "icmd")

    def start(self):
        self.run(
            "pg_ctl",
            "start",
            "-w",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            f"-c listen_addresses='' -c unix_socket_directories='{self.sockets}' -c fsync=off",
        )

    def stop(self):
        self.run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data), check=False)

    def restart(self):
        self.stop()
        self.start()

    @property
    def url(self) -> str:
        return f"postgres://{localdb.SUPERUSER}@/icmd?host={self.sockets}"

    def copy_schema_from(self, source_url: str):
        dump = subprocess.run(
            [str(self.bindir / "pg_dump"), "--schema-only", "--no-owner", source_url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        localdb._run(
            [str(self.bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.sockets)]
            + ["-U", localdb.SUPERUSER, "-d", "icmd"],
            input=dump,
            capture_output=True,
        )

    @property
    def conninfo(self) -> str:
        return f"host={self.sockets} dbname=icmd user={localdb.SUPERUSER}"

    def queue_email(self, to: str):
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO common_outgoingemail (to, language, subject, body, html_body, "
                "reply_to, headers, cause, status, attempts, next_attempt_at, last_error, "
                "created) VALUES (%s, 'fr', 'Objet', 'Texte.', '', '[]', '{}', '', "
                "'pending', 0, now(), '', now())".replace("(to,", '("to",'),
                [to],
            )

    def remove(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster():
    cluster = Cluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.remove()


def test_the_worker_survives_a_database_restart_and_outage(cluster, tmp_path):
    cluster.copy_schema_from(database_url())
    mailbox = tmp_path / "mail"
    mailbox.mkdir()
    worker = start_worker(database=cluster.url, email_url=f"file://{mailbox}", worker_id="w2")

    def sent() -> str:
        return "".join(path.read_text() for path in mailbox.iterdir())

    try:
        cluster.queue_email("before@example.org")
        wait_for(lambda: "To: before@example.org" in sent(), 30, "the first email")

        cluster.restart()
        cluster.stop()
        time.sleep(8)  # the database is down
        assert worker.poll() is None, "the worker exited while the database was down"
        cluster.start()

        cluster.queue_email("after@example.org")
        wait_for(lambda: "To: after@example.org" in sent(), 60, "an email after the outage")
        assert worker.poll() is None
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "Database unavailable" in output
    assert sent().count("To: before@example.org") == 1
