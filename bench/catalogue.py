"""Benchmark of the catalogue pages: server time, SQL queries and bytes sent.

Runs against a throw-away test database (never the development data):

    .venv/bin/python bench/catalogue.py [--projects 2000] [--repeat 30]

Prints, for each page, the median and 95th-percentile server time, the number of SQL
queries and the size of the HTML (raw and gzipped, what a slow connection downloads).
"""

import argparse
import gzip
from pathlib import Path

from harness import Client, measure, throwaway_database  # noqa: I001 - bench/ on sys.path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2000, help="generated projects")
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()

    with throwaway_database():
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
                r, body = measure(client, url, options.repeat)
                print(
                    f"| {name} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} "
                    f"| {len(body) / 1024:.1f} | {len(gzip.compress(body)) / 1024:.1f} |"
                )
        css = (Path(__file__).resolve().parent.parent / "static/css/site.css").read_bytes()
        print(
            f"\nsite.css: {len(css) / 1024:.1f} KiB, {len(gzip.compress(css)) / 1024:.1f} KiB "
            "gzipped; no JavaScript, no web font, no image."
        )


if __name__ == "__main__":
    main()
