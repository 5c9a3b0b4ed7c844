"""The load benchmark (bench/load.py, `make bench`) runs end to end at a small size, so that
it cannot rot: its own database, gunicorn as in production, wrk through every page, and a
report with every page's figures. The figures themselves are not judged here (they depend
on the machine); that every page answered, without an error, is."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(
        not shutil.which("wrk"), reason="wrk is not installed (apt-get install wrk)"
    ),
]

LOAD = settings.BASE_DIR / "bench" / "load.py"


def page_keys() -> list[str]:
    """Every page the benchmark knows (bench/load.py, ``all_pages``)."""
    return re.findall(r'^\s+Page\("(\w+)"', LOAD.read_text(), flags=re.MULTILINE)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    # A database of this test run's own, beside its test database.
    database = f"{os.environ.get('DJANGO_TEST_DATABASE') or 'test_icmd'}_load"
    environment = dict(os.environ)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [
            sys.executable,
            str(LOAD),
            *("--scale", "0.002", "--duration", "1", "--warmup", "0"),
            # Few clients: on a slow machine every page still answers within its second.
            *("--connections", "2", "--threads", "1", "--posters", "10"),
            *("--rendered", "topic"),
            *("--database", database, "--drop"),
            *("--output", str(folder / "report.md"), "--json", str(folder / "report.json")),
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return {
        "report": (folder / "report.md").read_text(),
        "figures": json.loads((folder / "report.json").read_text()),
        "output": result.stdout,
    }


def test_every_page_answered_under_load_without_an_error(run):
    pages = run["figures"]["pages"]

    assert sorted(pages) == sorted(page_keys())
    for key, page in pages.items():
        assert page["requests"] > 0, key
        assert page["errors"] == 0, (key, page)
        assert page["rps"] > 0 and page["p95_ms"] > 0 and page["p99_ms"] >= page["p50_ms"], key
        if key != "post":
            assert page["status"] == 200 and page["html_bytes"] > 0, key
        assert any(page.get(f"queries_{actor}") for actor in ("anonymous", "member")) or (
            key == "bare"
        ), key
    rendered = pages["topic"]["rendered"]
    assert rendered["requests"] > 0 and rendered["errors"] == 0
    again = pages["bare"]["again"]  # the bare view, measured again last
    assert again["requests"] > 0 and again["errors"] == 0


def test_members_posted_replies_that_were_written(run):
    post = run["figures"]["pages"]["post"]

    assert post["accepted"] > 0
    assert post["refused"] == 0 and post["other_answers"] == 0
    # Every accepted reply is in the database (and those still in flight when wrk stopped).
    assert post["written"] >= post["accepted"]


def test_the_report_shows_the_machine_every_page_and_the_targets(run):
    report = run["report"]

    for heading in ("## Machine and run", "## Pages", "## Posting replies", "## Targets"):
        assert heading in report
    assert f"{os.cpu_count()} cores" in report
    for page in run["figures"]["pages"].values():
        assert f"| {page['label']} |" in report
    assert re.search(r"\d+ of \d+ checks met", report)
    # The database was dropped afterwards (--drop): nothing left behind.
    assert "kept: --keep reuses it" not in run["output"]
