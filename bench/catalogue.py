"""Benchmark of the catalogue pages: server time, SQL queries and bytes sent.

Runs against a throw-away test database (never the development data):

    .venv/bin/python bench/catalogue.py [--projects 2000] [--repeat 30]

The seed's 16 projects, then as many again as ``--projects`` generated as
``manage.py generate_data`` writes them (icmd/generation.py), with their partners.

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2000, help="generated projects")
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()

    from icmd.generation import generate_catalogue

    with throwaway_database():
        client = Client()
        for label, extra in (
            ("seed (16 projects)", 0),
            (f"seed + {options.projects} generated", options.projects),
        ):
            if extra:
                generate_catalogue(extra, seed=42)
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
