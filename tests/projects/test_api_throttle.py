"""The API's limit of anonymous clients is counted in one query per request (or one Redis
round trip), holds under concurrent requests, and lets a client in again once its window
has ended."""

import os
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from common import throttling
from common.models import RateCount
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/"
KEY = "throttle_anon_127.0.0.1"


@pytest.fixture(autouse=True)
def database_cache(settings):
    """The default configuration, whatever REDIS_URL says: counted in the database."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_table",
        },
    }
    call_command("createcachetable", verbosity=0)  # there if the tests started without Redis


@pytest.fixture
def low_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"},
    }


def queries_touching(queries, table: str) -> list[str]:
    return [query["sql"] for query in queries if f'"{table}"' in query["sql"]]


def test_the_limit_holds_and_says_when_to_come_back(client, low_rate):
    ProjectFactory()
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]

    refused = client.get(URL)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"]
    assert client.get(URL, REMOTE_ADDR="198.51.100.7").status_code == 200  # another client


@pytest.mark.parametrize("projects", [1, 30])
def test_each_request_counts_in_one_query_and_none_in_the_cache(client, projects):
    ProjectFactory.create_batch(projects)
    for expected_count in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200

        assert len(queries_touching(queries, RateCount._meta.db_table)) == 1
        assert queries_touching(queries, "cache_table") == []
        assert RateCount.objects.get(key=KEY).count == expected_count


def test_logged_in_users_are_not_counted(staff_client, low_rate):
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(URL).status_code == 200
        assert queries_touching(queries, RateCount._meta.db_table) == []


def test_a_client_is_let_in_again_once_its_window_has_ended(client, low_rate):
    for _ in range(4):
        client.get(URL)
    assert client.get(URL).status_code == 429

    RateCount.objects.filter(key=KEY).update(window_ends=0)  # as a minute later

    assert client.get(URL).status_code == 200
    assert RateCount.objects.get(key=KEY).count == 1


def test_ended_windows_are_swept_by_the_counting(db, monkeypatch):
    RateCount.objects.create(key="gone", count=9, window_ends=1.0)
    RateCount.objects.create(key="current", count=2, window_ends=4e9)
    monkeypatch.setattr(throttling, "SWEEP_ONE_IN", 1)

    assert throttling.count("mine", 60).count == 1

    assert set(RateCount.objects.values_list("key", flat=True)) == {"current", "mine"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_each_counted_once():
    """Twenty requests of one client at once, from as many connections: each gets its own
    number, so that exactly as many as the limit allows get through."""
    counts, start = [], threading.Barrier(20)

    def one_request():
        try:
            start.wait()
            counts.append(throttling.count("crowd", 60).count)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(counts) == list(range(1, 21))


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_with_redis_the_limit_holds_in_one_round_trip(client, low_rate, settings):
    """Run with a Redis server: ``REDIS_URL=redis://localhost:6379/0 .venv/bin/python -m
    pytest tests/projects/test_api_throttle.py`` (its keys are removed afterwards)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-throttle-{os.getpid()}",
        },
    }
    from django.core.cache import cache

    ProjectFactory()
    try:
        with CaptureQueriesContext(connection) as queries:
            responses = [client.get(URL) for _ in range(4)]
    finally:
        cache.delete(throttling.RATE_KEY.format(key=KEY))

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert 0 < int(responses[-1]["Retry-After"]) <= 60
    assert queries_touching(queries, RateCount._meta.db_table) == []
    assert not RateCount.objects.exists()
