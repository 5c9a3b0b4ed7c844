"""Read replicas (common/db_router.py): pages read from a replica, writes go to the primary,
and whoever has just written reads from the primary until the replica has caught up.

The replica here is a second database on the local server, made as a copy of the test
database at a moment the test chooses (``snapshot_replica()``). Nothing replicates to it
afterwards: it is a replica that lags behind for ever, so that any read it serves shows.
"""

import runpy
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connections, router
from django.db.utils import ConnectionDoesNotExist, load_backend
from django.test import Client

from common.db_router import PIN_COOKIE, PRIMARY, replica_reads
from forums.models import Forum, Topic
from tests.factories import verified_member
from tests.forms import form_values

REPLICA = "replica"
ROUTER = "common.db_router.PrimaryReplicaRouter"
MIDDLEWARE = "common.db_router.PrimaryPinningMiddleware"
TITLE = "Les transferts de fonds et les jeunes à Kolda"


@pytest.fixture
def with_replica(settings):
    """The router and the middleware installed as ``DATABASE_REPLICA_URL`` installs them, for
    a replica alias the test database gets with ``snapshot_replica``."""
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = [ROUTER]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware"), MIDDLEWARE
    )
    settings.MIDDLEWARE = middleware


@pytest.fixture
def snapshot_replica(transactional_db, with_replica):
    """``snapshot_replica()`` copies the test database (committed rows: ``transactional_db``)
    into a database of its own, reached as the ``replica`` alias; it is dropped afterwards."""
    empty_caches()
    primary = connections[PRIMARY]
    source = primary.settings_dict["NAME"]
    name = f"{source}_replica"
    quoted = primary.ops.quote_name

    def drop() -> None:
        with primary._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted(name)}")

    def snapshot() -> None:
        # A database is copied only while nobody is connected to it.
        connections.close_all()
        drop()
        deadline = time.monotonic() + 10
        while True:
            try:
                with primary._nodb_cursor() as cursor:
                    cursor.execute(f"CREATE DATABASE {quoted(name)} TEMPLATE {quoted(source)}")
                break
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # a connection closed a moment ago is still leaving
        # A connection of its own, made here rather than declared in DATABASES: the test
        # databases of the suite stay as they are (one database, no copy to create).
        replica = {**primary.settings_dict, "NAME": name}
        connections[REPLICA] = load_backend(replica["ENGINE"]).DatabaseWrapper(replica, REPLICA)

    yield snapshot
    try:
        connections[REPLICA].close()
        del connections[REPLICA]
    except ConnectionDoesNotExist:
        pass
    drop()
    empty_caches()


def empty_caches() -> None:
    """Rate limits and kept pages live in cache tables, which a test that commits leaves."""
    for cache in caches.all():
        cache.clear()


def test_a_member_reads_what_they_wrote_while_visitors_read_the_replica(snapshot_replica):
    forum = Forum.objects.create(name="Migration et développement local", slug="local")
    amina = verified_member(name="Amina Diallo")
    member = Client()
    member.force_login(amina)
    snapshot_replica()  # the replica: the forum and Amina's session, as they are now

    # Amina starts a topic: written to the primary only.
    new_topic = f"/fr/forums/{forum.slug}/new/"
    page = member.get(new_topic)
    assert PIN_COOKIE not in page.cookies  # read, wrote nothing
    written = {"title": TITLE, "body": "Que financent les migrants chez vous ?"}
    answer = member.post(new_topic, {**form_values(page, "topic-form"), **written})
    assert answer.status_code == 302
    topic = Topic.objects.get(title=TITLE)
    assert not Topic.objects.using(REPLICA).filter(pk=topic.pk).exists()

    # Having written, she reads from the primary: her topic is there for her…
    assert answer.cookies[PIN_COOKIE]["max-age"] == django_settings.REPLICA_PIN_SECONDS
    assert TITLE in member.get(topic.get_absolute_url()).text
    assert TITLE in member.get(forum.get_absolute_url()).text

    # …while a visitor reads from the replica, which has not received it yet.
    visitor = Client()
    assert visitor.get(topic.get_absolute_url()).status_code == 404
    page = visitor.get(forum.get_absolute_url())
    assert page.status_code == 200 and TITLE not in page.text
    assert PIN_COOKIE not in page.cookies  # reading pins nobody to the primary

    # Once her cookie has expired, she reads from the replica too (which, in production,
    # has long caught up by then).
    del member.cookies[PIN_COOKIE]
    assert member.get(topic.get_absolute_url()).status_code == 404


def test_a_request_that_writes_reads_from_the_primary_from_then_on(snapshot_replica):
    Forum.objects.create(name="Diaspora et investissement", slug="diaspora")
    snapshot_replica()
    cache_entry = DatabaseCache("cache_table", {}).cache_model_class
    with replica_reads(REPLICA) as request:
        assert Forum.objects.all().db == REPLICA
        assert Forum.objects.count() == 1
        # The cache table (rate limits) is read on the primary, and writing it pins nothing.
        assert router.db_for_read(cache_entry) == PRIMARY
        caches["default"].set("counted", 1)  # with REDIS_URL set, not a database at all
        assert Forum.objects.all().db == REPLICA and not request.wrote

        Forum.objects.create(name="Transferts de fonds", slug="transferts")
        assert request.wrote
        assert Forum.objects.all().db == PRIMARY
        assert Forum.objects.count() == 2
    assert Forum.objects.using(REPLICA).count() == 1


def test_outside_requests_everything_reads_from_the_primary(with_replica, db):
    # The background worker, management commands and the shell never read a lagging copy.
    assert Forum.objects.all().db == PRIMARY
    assert router.db_for_write(Forum) == PRIMARY
    # Migrations run on the primary only: a replica is read-only.
    assert router.allow_migrate(PRIMARY, "forums", model_name="forum")
    assert not router.allow_migrate(REPLICA, "forums", model_name="forum")


def test_reads_inside_a_transaction_stay_on_the_primary(with_replica, db):
    # The test runs in a transaction: a service that reads what it locked or wrote.
    with replica_reads(REPLICA):
        assert Forum.objects.all().db == PRIMARY


SETTINGS = Path(django_settings.BASE_DIR) / "icmd" / "settings.py"


def test_without_replicas_the_settings_are_unchanged(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)
    loaded = runpy.run_path(str(SETTINGS))
    assert list(loaded["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in loaded
    assert MIDDLEWARE not in loaded["MIDDLEWARE"]


def test_replicas_are_read_from_their_urls(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS",
        "postgres://reader@replica1.internal:5432/icmd, postgres://reader@replica2.internal/icmd",
    )
    monkeypatch.setenv("DJANGO_REPLICA_PIN_SECONDS", "30")
    loaded = runpy.run_path(str(SETTINGS))
    databases = loaded["DATABASES"]
    assert list(databases) == ["default", "replica", "replica2"]
    assert databases["replica"]["HOST"] == "replica1.internal"
    assert databases["replica2"]["HOST"] == "replica2.internal"
    assert databases["replica"]["TEST"] == {"MIRROR": "default"}
    assert loaded["DATABASE_REPLICAS"] == ["replica", "replica2"]
    assert loaded["DATABASE_ROUTERS"] == [ROUTER]
    assert loaded["REPLICA_PIN_SECONDS"] == 30
    middleware = loaded["MIDDLEWARE"]
    session = middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert middleware[session - 1] == MIDDLEWARE

    monkeypatch.delenv("DATABASE_REPLICA_URLS")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.internal/icmd")
    assert list(runpy.run_path(str(SETTINGS))["DATABASES"]) == ["default", "replica"]


def test_a_wrong_pin_time_stops_the_start(monkeypatch):
    monkeypatch.setenv("DJANGO_REPLICA_PIN_SECONDS", "ten")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_REPLICA_PIN_SECONDS"):
        runpy.run_path(str(SETTINGS))
