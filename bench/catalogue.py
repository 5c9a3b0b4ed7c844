"""Benchmark of the catalogue pages: server time, SQL queries and bytes sent.

Runs against a throw-away test database (never the development data):

    .venv/bin/python bench/catalogue.py [--projects 2000] [--repeat 30]

Prints, for each page, the median and 95th-percentile server time, the number of SQL
queries and the size of the HTML (raw and gzipped, what a slow connection downloads).
"""

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icmd.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

PAGES = [
    ("home", "/fr/"),
    ("project list", "/fr/projects/"),
    ("filtered list", "/fr/projects/?q=developpement&theme=diaspora&sort=-funding"),
    ("project", "/fr/projects/figuig-palm-grove/"),
    ("country", "/fr/countries/ma/"),
    ("organisation", "/fr/organisations/association-migration-developpement/"),
    ("statistics", "/fr/statistics/"),
]


def add_generated_projects(count: int) -> None:
    from projects.models import (
        Organisation,
        Partnership,
        PartnershipRole,
        Phase,
        Project,
        Theme,
    )

    phase = Phase.objects.get(slug="2012-local")
    themes = list(Theme.objects.all())
    countries = ["SN", "MA", "TN", "NP", "PH", "EC", "SV", "CR", "ML", "GH", "MX", "GT"]
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Organisation générée {i}",
            slug=f"generated-org-{i}",
            kind="civil_society",
            country=countries[i % len(countries)],
        )
        for i in range(count // 2)
    )
    projects = Project.objects.bulk_create(
        Project(
            title=f"Projet de développement local généré numéro {i}",
            slug=f"generated-{i}",
            country=countries[i % len(countries)],
            objective="Renforcer le rôle des migrants dans le développement local. " * 3,
            phase=phase,
            duration_months=12 + i % 24,
            funding_amount=50_000 + (i * 1_000) % 200_000,
        )
        for i in range(count)
    )
    Partnership.objects.bulk_create(
        Partnership(
            project=project,
            organisation=organisations[(i + k) % len(organisations)],
            role=PartnershipRole.LEAD if k == 0 else PartnershipRole.PARTNER,
            order=k,
        )
        for i, project in enumerate(projects)
        for k in range(2)
    )
    Through = Project.themes.through
    Through.objects.bulk_create(
        Through(project_id=project.pk, theme_id=themes[(i + k) % len(themes)].pk)
        for i, project in enumerate(projects)
        for k in range(2)
    )


def measure(client: Client, url: str, repeat: int) -> dict:
    client.get(url)  # warm up
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": sorted(timings)[int(len(timings) * 0.95) - 1],
        "queries": len(queries),
        "html_kb": len(body) / 1024,
        "gzip_kb": len(gzip.compress(body)) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2000, help="generated projects")
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_seed", verbosity=0)
        client = Client()
        for label, extra in (
            ("seed (16 projects)", 0),
            (f"seed + {options.projects} generated", options.projects),
        ):
            if extra:
                add_generated_projects(extra)
            print(f"\n## {label}\n")
            print("| page | median ms | p95 ms | SQL queries | HTML KiB | gzip KiB |")
            print("|---|---:|---:|---:|---:|---:|")
            for name, url in PAGES:
                r = measure(client, url, options.repeat)
                print(
                    f"| {name} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} "
                    f"| {r['html_kb']:.1f} | {r['gzip_kb']:.1f} |"
                )
        css = (Path(__file__).resolve().parent.parent / "static/css/site.css").read_bytes()
        print(
            f"\nsite.css: {len(css) / 1024:.1f} KiB, {len(gzip.compress(css)) / 1024:.1f} KiB "
            "gzipped; no JavaScript, no web font, no image."
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
