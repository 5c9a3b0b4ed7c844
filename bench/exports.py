"""Benchmark of the downloads of the project list (CSV and IATI XML): time to the first byte
and to the first projects, total time, peak memory of the process serving it, and bytes.

Runs against a throw-away test database (never the development data):

    .venv/bin/python bench/exports.py [--projects 1000 10000]

For each catalogue size (the seed's 16 projects plus projects generated as
``manage.py generate_data`` writes them, icmd/generation.py: most in French, English and
Spanish, some in one language, each with a lead, many with partners abroad, one to three
themes), each download is asked for three times, each time by a fresh process so that its
memory is its own:

- written: nothing cached yet, the file is read from the database and written while it is
  streamed (and kept for the next request);
- cached: the same download again, sent from the file kept by the first;
- written, traced: as the first, under ``tracemalloc`` (slower) for the Python peak.

The time is measured from the request to the last byte read from the response, as the
WSGI server would read it. Memory: the growth of the process's resident memory over the
request (its peak, ``VmHWM``, reset just before, minus its size then), which counts
lxml's and the database driver's own allocations too; and the peak of Python's
allocations seen by ``tracemalloc``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOWNLOADS = [("CSV", "/fr/projects/export.csv"), ("IATI XML", "/fr/projects/iati.xml")]
SEED_PROJECTS = 16
HERE = Path(__file__).resolve()


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def measure_one(url: str, database: str, traced: bool) -> dict:
    """One download in this process (a fresh one), after small ones to warm it up."""
    import tracemalloc

    from django.conf import settings
    from harness import Client, connection, setup_test_environment

    setup_test_environment(debug=False)  # as in production: no query log
    connection.settings_dict["NAME"] = database
    # Only the download is measured here, not the rate limit.
    settings.ACCOUNT_RATE_LIMITS = {
        action: rate
        for action, rate in settings.ACCOUNT_RATE_LIMITS.items()
        if not action.startswith("export")
    }
    client = Client()
    for warm_up in DOWNLOADS:  # a one-project file: code and translations loaded
        client.get(f"{warm_up[1]}?q=figuig").getvalue()

    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak resident size
    before = memory_kib("VmRSS")
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    chunks = iter(response.streaming_content) if response.streaming else iter([response.content])
    first = next(chunks)
    first_byte = time.perf_counter() - start
    size, first_projects = len(first), None
    for chunk in chunks:
        if first_projects is None:
            first_projects = time.perf_counter() - start
        size += len(chunk)
    total = time.perf_counter() - start
    figures = {
        "first_byte_ms": first_byte * 1000,
        "first_projects_ms": (first_projects or total) * 1000,
        "total_ms": total * 1000,
        "bytes": size,
        "rss_growth_mib": (memory_kib("VmHWM") - before) / 1024,
        "served_from": "file" if response.__class__.__name__ == "FileResponse" else "database",
    }
    if traced:
        figures["python_peak_mib"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    return figures


def in_fresh_process(url: str, database: str, cache_dir: str, traced: bool = False) -> dict:
    result = subprocess.run(
        [sys.executable, str(HERE), "--measure", url, "--database", database]
        + (["--traced"] if traced else []),
        env={**os.environ, "DJANGO_EXPORT_CACHE_DIR": cache_dir},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))

    if options.measure:
        print(json.dumps(measure_one(options.measure, options.database, options.traced)))
        return

    from harness import connection, throwaway_database

    from icmd.generation import generate_catalogue

    with throwaway_database():
        database = connection.settings_dict["NAME"]
        connection.close()  # the measuring processes open their own
        print(
            "| projects | download | served from | first byte ms | first projects ms "
            "| total ms | RSS growth MiB | Python peak MiB | MiB sent |"
        )
        print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
        present = SEED_PROJECTS
        for target in sorted(options.projects):
            generate_catalogue(target - present, seed=target)
            connection.close()
            present = target
            for name, url in DOWNLOADS:
                with tempfile.TemporaryDirectory() as kept, tempfile.TemporaryDirectory() as other:
                    written = in_fresh_process(url, database, kept)
                    cached = in_fresh_process(url, database, kept)
                    traced = in_fresh_process(url, database, other, traced=True)
                python_peak = f"{traced['python_peak_mib']:.1f}"
                for figures in (written, cached):
                    label = (
                        "file kept by the first request"
                        if figures["served_from"] == "file"
                        else "database, written while streamed"
                    )
                    print(
                        f"| {target:,} | {name} | {label} | {figures['first_byte_ms']:.0f} "
                        f"| {figures['first_projects_ms']:.0f} | {figures['total_ms']:.0f} "
                        f"| {figures['rss_growth_mib']:.1f} "
                        f"| {python_peak if figures is written else ''} "
                        f"| {figures['bytes'] / 1024 / 1024:.1f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
