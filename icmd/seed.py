"""Loading the site pages from ``fixtures/pages/<language>/<order>-<slug>.md``.

The first line of each file is ``# Title``; the rest is the Markdown body. Each file is
one language of a page. A page already in the database (same slug) keeps what staff made
of it; a language it lacks is filled from the file (common/seed.py).
"""

from pathlib import Path

from django.db import transaction

from common.seed import SeedReport, load_row
from common.translation import LANGUAGE_CODES
from icmd.models import Page


def read_pages(folder: Path) -> list[dict]:
    """One row per page, with its title, summary and body per language."""
    rows = {}
    for path in sorted(Path(folder).glob("*/*.md")):
        language = path.parent.name
        if language not in LANGUAGE_CODES:
            continue
        order, _, slug = path.stem.partition("-")
        heading, _, body = path.read_text(encoding="utf-8").partition("\n")
        body = body.strip()
        summary = body.split("\n\n", 1)[0]
        row = rows.setdefault(slug, {"slug": slug, "order": int(order)})
        row[f"title_{language}"] = heading.removeprefix("# ").strip()
        row[f"summary_{language}"] = summary if not summary.startswith(("#", "-")) else ""
        row[f"body_{language}"] = body
    return list(rows.values())


@transaction.atomic
def load_pages(folder: Path) -> SeedReport:
    report = SeedReport()
    for row in read_pages(folder):
        load_row(Page, row, list(row), kind="pages", report=report)
    return report
