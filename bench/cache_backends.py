"""Cache backends compared: the page cache and the API's throttle on the database cache, on
the local-memory cache and (when ``REDIS_URL`` is set) on Redis.

    .venv/bin/python bench/cache_backends.py [--scale 0.05] [--repeat 200] [--server]

On a throw-away test database (never the development data): the seed, then the data of
``manage.py generate_data --scale`` (icmd/generation.py; 1.0 is 10,000 projects and 100,000
posts). In this process (Django's test client, no network, one thread):

- each page rendered (page cache off), then kept (asked for again): median server time,
  the requests per second one thread serves at that median, and SQL queries; the bare view
  of bench/urls.py (the smallest response through the same middleware) for comparison;
- an API request counted by the throttle: DRF's own throttle (the list of recent requests
  read and written in the cache) against ``common.throttling`` (one upsert, or Redis).

``--server`` also runs gunicorn (docs/deploy/gunicorn.conf.py, production settings, on a
loopback port) under ``wrk`` for the bare view and a kept page, with each backend.

The local-memory cache is per process: a change seen by one worker is not seen by the
others, so it is measured here only as the floor of what a cache read costs.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import CaptureQueriesContext, Client, connection, throwaway_database  # noqa: I001 - bench/ on sys.path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent

DATABASE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache"}
LOCAL_MEMORY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}


def backends() -> dict[str, dict]:
    """Each backend's CACHES setting (the default cache and the pages' cache)."""
    found = {
        "database": {
            "default": {**DATABASE, "LOCATION": "cache_table"},
            "pages": {**DATABASE, "LOCATION": "page_cache_table"},
        },
        "local memory": {
            "default": {**LOCAL_MEMORY, "LOCATION": "default"},
            "pages": {**LOCAL_MEMORY, "LOCATION": "pages"},
        },
    }
    if os.environ.get("REDIS_URL"):
        found["redis"] = {
            "default": {**REDIS, "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": "bench"},
            "pages": {**REDIS, "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": "bench-pages"},
        }
    return found


def timed(client: Client, url: str, repeat: int, **headers) -> dict:
    """Median server time of ``url`` over ``repeat`` requests after one to warm up, and the
    SQL queries of one more."""
    assert client.get(url, **headers).status_code == 200, url
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url, **headers)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    median = statistics.median(timings)
    return {
        "ms": median,
        "per_s": 1000 / median,
        "queries": len(queries),
        "sql": [query["sql"] for query in queries],
        "hit": response.get("X-Page-Cache") == "hit",
    }


def pages() -> list[tuple[str, str]]:
    from forums.models import Topic
    from projects.models import Project

    project = Project.objects.published().order_by("pk").first()
    topic = Topic.objects.filter(is_hidden=False).order_by("-post_count", "pk").first()
    found = [
        ("home", "/fr/"),
        ("project list", "/fr/projects/"),
        ("filtered list", "/fr/projects/?q=developpement&sort=-funding"),
        ("project", project.get_absolute_url()),
        ("statistics", "/fr/statistics/"),
        ("search", "/fr/search/?q=migration"),
    ]
    if topic is not None:
        found.append(("topic (longest)", topic.get_absolute_url()))
    return found


def measure_pages(repeat: int) -> None:
    from django.core.cache import caches
    from django.test.utils import override_settings

    client = Client()
    print("\n## Pages (Django test client, one thread)\n")
    print(
        "| page | rendered: ms · req/s · queries "
        + "".join(f"| kept, {name}: ms · req/s · queries " for name in backends())
        + "|"
    )
    print("|---|---|" + "---|" * len(backends()))
    with override_settings(ROOT_URLCONF="bench.urls"):
        bare = timed(client, "/bare/", repeat)
    print(
        f"| bare view | {bare['ms']:.2f} · {bare['per_s']:.0f} · {bare['queries']} "
        + "| " * len(backends())
        + "|"
    )
    for label, url in pages():
        with override_settings(PAGE_CACHE_SECONDS=0):
            rendered = timed(client, url, max(5, repeat // 20))
        cells = []
        for caches_setting in backends().values():
            with override_settings(CACHES=caches_setting, PAGE_CACHE_SECONDS=300):
                caches["pages"].clear()
                kept = timed(client, url, repeat)
                assert kept["hit"], (label, "not served from the cache")
                caches["pages"].clear()
            cells.append(f"{kept['ms']:.2f} · {kept['per_s']:.0f} · {kept['queries']}")
        print(
            f"| {label} | {rendered['ms']:.1f} · {rendered['per_s']:.0f} · "
            f"{rendered['queries']} | " + " | ".join(cells) + " |",
            flush=True,
        )


def drf_throttle():
    """DRF's own throttle (a list of times in the cache), as the API used before."""
    from rest_framework import throttling
    from rest_framework.settings import api_settings

    class DRFAnonRateThrottle(throttling.AnonRateThrottle):
        def get_rate(self):
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    return DRFAnonRateThrottle


def measure_throttle(repeat: int) -> None:
    """Each throttle's ``allow_request`` alone, for an anonymous client, ``repeat`` × 10
    times: its time and its queries (what it adds to every API request)."""
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import caches
    from django.test import RequestFactory
    from django.test.utils import override_settings

    from projects import api

    rates = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000000/minute"},  # counts, never refuses
    }
    # Fifty clients in turn: DRF's lists of recent requests stay as short as with real rates.
    requests = [
        RequestFactory().get("/api/v1/phases/", REMOTE_ADDR=f"203.0.113.{number}")
        for number in range(50)
    ]
    for request in requests:
        request.user = AnonymousUser()
    print("\n## The API's throttle: one request counted (allow_request alone)\n")
    print("| throttle | counted in | µs per request | requests/s | queries per request |")
    print("|---|---|---:|---:|---:|")
    variants = [
        ("DRF AnonRateThrottle", drf_throttle(), list(backends())),
        ("common.throttling", api.AnonymousRateThrottle, ["database", "redis"]),
    ]
    for name, throttle_class, used in variants:
        for backend in used:
            if backend not in backends():
                continue
            where = {"database": "database cache", "local memory": "local memory (per process)"}
            where = where.get(backend, "Redis")
            if name == "common.throttling" and backend == "database":
                where = "table, one upsert"
            with override_settings(CACHES=backends()[backend], REST_FRAMEWORK=rates):
                caches["default"].clear()
                throttle = throttle_class()
                for request in requests:  # warm up (connections, a first row each)
                    assert throttle.allow_request(request, None)
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as queries:
                    for request in requests[:10]:
                        throttle.allow_request(request, None)
                timings = []
                for _ in range(10):
                    start = time.perf_counter()
                    for number in range(repeat):
                        throttle.allow_request(requests[number % 50], None)
                    timings.append((time.perf_counter() - start) / repeat * 1e6)
                caches["default"].clear()
            micro = statistics.median(timings)
            print(
                f"| {name} | {where} | {micro:.0f} | {1e6 / micro:,.0f} | {len(queries) / 10:g} |",
                flush=True,
            )


# --- gunicorn under wrk ---------------------------------------------------------------------

SERVER_SETTINGS = """\
from bench.settings import *  # noqa: F403

CACHES = {caches!r}
"""


def measure_server(database: str, duration: int, rounds: int = 3) -> None:
    from slow_clients import (
        collect_static_files,
        database_url,
        free_port,
        production_environment,
    )

    if not shutil.which("wrk"):
        print("\nwrk is not installed: no server measured.")
        return
    collect_static_files()
    url = database_url(database)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        print(
            f"\n## gunicorn (docs/deploy/gunicorn.conf.py), wrk {duration} s × {rounds} rounds, "
            "20 connections, Accept-Encoding: gzip\n"
        )
        print(
            "| backend | bare view req/s | kept project list req/s "
            "| share of the bare view (min–max) | kept p99 ms |"
        )
        print("|---|---:|---:|---:|---:|")
        for name, caches_setting in backends().items():
            module = folder / f"bench_cache_{name.replace(' ', '_')}.py"
            module.write_text(SERVER_SETTINGS.format(caches=caches_setting))
            port = free_port()
            env = production_environment(url, folder, behind_proxy=False)
            env |= {
                "DJANGO_SETTINGS_MODULE": module.stem,
                "PYTHONPATH": os.pathsep.join([str(folder), str(BASE_DIR)]),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "DJANGO_API_ANON_RATE": "1000000/minute",
            }
            server = subprocess.Popen(
                # Workers are not replaced during the measure (each restart cuts connections).
                [sys.executable, "-m", "gunicorn", "--config", "docs/deploy/gunicorn.conf.py"]
                + ["--max-requests", "0"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(folder / "gunicorn.log").open("w"),
            )
            try:
                _wait(port, folder / "gunicorn.log")
                bare, kept = [], []
                for _round in range(rounds):  # in turn: the machine's load changes
                    bare.append(_wrk(port, "/bare/", duration))
                    kept.append(_wrk(port, "/fr/projects/", duration))
                shares = [k[0] / b[0] for b, k in zip(bare, kept, strict=True)]
                print(
                    f"| {name} | {statistics.median(b[0] for b in bare):.0f} "
                    f"| {statistics.median(k[0] for k in kept):.0f} "
                    f"| {statistics.median(shares):.0%} ({min(shares):.0%}–{max(shares):.0%}) "
                    f"| {statistics.median(k[1] for k in kept):.1f} |",
                    flush=True,
                )
            except RuntimeError:
                print((folder / "gunicorn.log").read_text()[-3000:])
                raise
            finally:
                server.terminate()
                server.wait(timeout=60)


def _wait(port: int, log: Path, limit: float = 60.0) -> None:
    import http.client

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bare/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def _wrk(port: int, path: str, duration: int) -> tuple[float, float]:
    """Requests per second and 99th-percentile latency (ms) of ``path``."""
    base = ["wrk", "-t2", "-c20", "--latency", "-H", "Accept-Encoding: gzip"]
    subprocess.run([*base, "-d2s", f"http://127.0.0.1:{port}{path}"], capture_output=True)
    out = subprocess.run(
        [*base, f"-d{duration}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk: errors on {path}:\n{out}")
    per_s = float(next(line for line in out.splitlines() if "Requests/sec" in line).split()[1])
    p99 = next(line for line in out.splitlines() if line.strip().startswith("99%")).split()[1]
    value = float(p99.rstrip("msu"))
    unit = p99[len(p99.rstrip("msu")) :]
    return per_s, value * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="of generate_data")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--server", action="store_true", help="also gunicorn under wrk")
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per page")
    parser.add_argument("--rounds", type=int, default=3, help="of wrk, bare and kept in turn")
    options = parser.parse_args()

    from django.core.management import call_command
    from django.test.utils import override_settings

    from icmd.generation import generate, scaled_counts

    with throwaway_database():
        report = generate(scaled_counts(options.scale), seed=42)
        with override_settings(CACHES=backends()["database"]):
            call_command("createcachetable")  # not there if the settings named Redis
        print("Data: " + ", ".join(f"{count:,} {kind}" for kind, count in report.rows.items()))
        measure_pages(options.repeat)
        measure_throttle(options.repeat)
        if options.server:
            name = connection.settings_dict["NAME"]
            connection.close()
            measure_server(name, options.duration, options.rounds)


if __name__ == "__main__":
    main()
