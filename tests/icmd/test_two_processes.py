"""The site keeps nothing in its processes, so that several servers behind a load balancer
serve the same people: sessions, rate limits and what members write live in PostgreSQL (the
cache in PostgreSQL or Redis), never in a server's memory.

Two gunicorn servers, started as in production (``DJANGO_DEBUG=0``, docs/deploy/
gunicorn.conf.py, one worker each), listen on two loopback ports against the test database.
A person's requests go to one or the other, as a load balancer would send them, and:

- a login made through the first server is honoured by the second (its session cookie opens
  a members-only page there);
- failed logins counted by both servers add up to one limit, which both then apply;
- a reply posted through one server is read through the other.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import caches

from forums.models import Forum, Post
from forums.services import start_topic
from icmd import localdb
from tests.factories import verified_member
from tests.forms import form_values
from tests.html import tr

PASSWORD = "correct horse battery staple"  # MemberFactory's
# Behind a load balancer every server is asked for the same host name (allauth counts
# failed logins per site and address: the same key on each server).
HOST = "127.0.0.1"
GUNICORN_CONFIG = Path(settings.BASE_DIR) / "docs" / "deploy" / "gunicorn.conf.py"
START_LIMIT = 60.0


@dataclass
class Page:
    status_code: int
    content: bytes
    headers: Message

    @property
    def text(self) -> str:
        return self.content.decode()

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path


@dataclass
class Browser:
    """One person's browser: it keeps the cookies the site sets, whichever server set them,
    and sends them to whichever server answers next."""

    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, server: "Server", path: str) -> Page:
        return self.request(server, "GET", path)

    def post(self, server: "Server", path: str, data: dict) -> Page:
        return self.request(server, "POST", path, data)

    def request(self, server: "Server", method: str, path: str, data=None) -> Page:
        headers = {"Host": HOST, "Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = Page(response.status, response.read(), response.headers)
        finally:
            connection.close()
        for header in page.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page

    def submit(self, server: "Server", path: str, form_id: str, **values) -> Page:
        """Fill in the form ``form_id`` of the page ``path`` and send it, both on ``server``."""
        return self.post(server, path, {**form_values(self.get(server, path), form_id), **values})

    def log_in(self, server: "Server", email: str, password: str) -> Page:
        return self.submit(
            server, "/fr/accounts/login/", "login-form", login=email, password=password
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """The URL of the test database, on the server the settings use."""
    server = urlsplit(os.environ.get("DATABASE_URL") or localdb.database_url())
    name = settings.DATABASES["default"]["NAME"]
    return urlunsplit(server._replace(path="/" + quote(name)))


test_database_url.__test__ = False  # a helper, not a test


class Server:
    """gunicorn with the production configuration (docs/deploy/gunicorn.conf.py), one worker
    of two threads, on a loopback port of its own."""

    def __init__(self, name: str, folder: Path):
        self.name = name
        self.port = free_port()
        self.log_path = folder / f"{name}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "tests.icmd.server_settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "a-secret-both-servers-share-k3Jq9vXr2LmN8pQwZt5YbHc7DfGs4AeUo",
            "DJANGO_ALLOWED_HOSTS": HOST,
            # No TLS on the loopback: answered over plain HTTP instead of redirected.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_BEHIND_PROXY": "0",
            "DJANGO_EXPORT_CACHE_DIR": str(folder / "exports"),
            "DJANGO_MEDIA_ROOT": str(folder / "media"),
            "EMAIL_URL": "console:",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
        }
        # Set for the browser tests of this process; a deployment never has it.
        environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )

    def wait_until_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} exited:\n{self.output()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", "/fr/accounts/login/", headers={"Host": HOST})
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
            finally:
                connection.close()
        raise RuntimeError(f"server {self.name} did not answer in time:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-3000:]

    def stop(self) -> None:
        """Asks gunicorn to stop at once (its workers and their database connections)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait_until_stopped(self) -> None:
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


@pytest.fixture
def servers(transactional_db):
    """Two servers, A and B, on the test database (committed data: ``transactional_db``)
    and its cache table, started together and stopped afterwards."""
    empty_caches()  # rate limits and pages of an earlier test (cache tables are not emptied)
    with tempfile.TemporaryDirectory(prefix="icmd-two-servers-") as folder:
        started: list[Server] = []
        try:
            for name in ("A", "B"):
                started.append(Server(name, Path(folder)))
            deadline = time.monotonic() + START_LIMIT
            for server in started:
                server.wait_until_ready(deadline)
            yield started
        finally:
            for server in started:
                server.stop()
            for server in started:
                server.wait_until_stopped()
    empty_caches()


def empty_caches() -> None:
    for cache in caches.all():
        cache.clear()


def test_two_servers_serve_each_person_as_one_site(servers):
    a, b = servers

    # A login through A is honoured by B: its session cookie opens a members-only page.
    amina = verified_member(name="Amina Diallo")
    browser = Browser()
    assert browser.get(b, "/fr/network/me/edit/").status_code == 302  # to the login page
    answer = browser.log_in(a, amina.email, PASSWORD)
    assert answer.status_code == 302 and "/accounts/login/" not in answer.location
    page = browser.get(b, "/fr/network/me/edit/")
    assert page.status_code == 200
    assert "Amina Diallo" in page.text
    # …and logging out through B ends the session on A.
    assert browser.submit(b, "/fr/accounts/logout/", "logout-form").status_code == 302
    assert browser.get(a, "/fr/network/me/edit/").status_code == 302

    # Failed logins counted by both servers add up to one limit (5 per address in 5 minutes,
    # ACCOUNT_RATE_LIMITS["login_failed"]), which both then apply, even to the right password.
    attacker = Browser()
    for server in (a, b, a, b, a):
        page = attacker.log_in(server, amina.email, "not the password")
        assert page.status_code == 200  # the form again, with its error
    for server in (b, a):
        page = Browser().log_in(server, amina.email, PASSWORD)
        assert page.status_code == 429
        assert tr("Too many attempts") in page.text
    # Another member's login is not affected.
    bakary = verified_member(name="Bakary Traoré")
    bakary_browser = Browser()
    assert bakary_browser.log_in(b, bakary.email, PASSWORD).status_code == 302

    # A reply posted through A is read through B, by its author and by a visitor.
    forum = Forum.objects.create(name="Migration et développement local", slug="local")
    topic = start_topic(author=amina, forum=forum, title="Les puits de Kolda", body="Qui paie ?")
    reply = "Les associations de migrants financent surtout des puits et des écoles."
    topic_url = topic.get_absolute_url()
    visitor = Browser()
    page = visitor.get(b, topic_url)  # B has shown the topic once, before the reply
    assert page.status_code == 200
    assert "Les puits de Kolda" in page.text and reply not in page.text
    answer = bakary_browser.submit(
        a, f"/fr/forums/topics/{topic.slug}/reply/", "reply-form", body=reply
    )
    assert answer.status_code == 302
    assert Post.objects.filter(topic=topic, author=bakary, body=reply).exists()
    assert reply in visitor.get(b, topic_url).text
    assert reply in bakary_browser.get(b, topic_url).text
