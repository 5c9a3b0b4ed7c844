"""What every benchmark here shares: Django set up, a throw-away database, timed requests."""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icmd.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


@contextmanager
def throwaway_database():
    """A fresh test database with the seed loaded (never the development data), dropped
    afterwards."""
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_seed", verbosity=0)
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def measure(client: Client, url: str, repeat: int) -> tuple[dict, bytes]:
    """Median and 95th-percentile server time of ``url`` over ``repeat`` requests (after
    one to warm up), its SQL query count, and the body of the last response."""
    client.get(url)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    figures = {
        "median_ms": statistics.median(timings),
        "p95_ms": sorted(timings)[int(len(timings) * 0.95) - 1],
        "queries": len(queries),
    }
    return figures, response.content
