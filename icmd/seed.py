"""Loading the site pages from ``fixtures/pages/<language>/<order>-<slug>.md``.

The first line of each file is ``# Title``; the rest is the Markdown body. Each file is
one language of a page. About pages are created when there is no page at all, or one at a
time when asked for by slug (``load_seed --page <slug>``): a page staff deleted stays
deleted, and one whose slug they changed is not created again. The privacy notice and the
terms of use (slugs ``privacy`` and ``terms``) are created whenever the site has none of
their kind, since the footer and the sign-up form link them (staff edit them, and cannot
delete them, in the admin). A page already in the database (same slug) keeps what staff
made of it; a language it lacks is filled from the file (common/seed.py).
"""

from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from common.seed import SeedReport, check_requested, load_row
from common.translation import LANGUAGE_CODES
from icmd.models import Page, PageKind

# The pages that are not about pages, by slug, and the version of the seed's terms of use
# (members record the version they accept when signing up).
RESERVED_KINDS = {"privacy": PageKind.PRIVACY, "terms": PageKind.TERMS}
SEED_VERSIONS = {"terms": "1"}


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
        row = rows.setdefault(
            slug,
            {
                "slug": slug,
                "order": int(order),
                "kind": RESERVED_KINDS.get(slug, PageKind.ABOUT),
                "version": SEED_VERSIONS.get(slug, ""),
            },
        )
        row[f"title_{language}"] = heading.removeprefix("# ").strip()
        row[f"summary_{language}"] = summary if not summary.startswith(("#", "-")) else ""
        row[f"body_{language}"] = body
    return list(rows.values())


@transaction.atomic
def load_pages(folder: Path, *, pages: Iterable[str] = ()) -> SeedReport:
    """Load the pages of ``folder``: all of them when there is none yet, else the ``pages``
    asked for (slugs of the folder; UnknownSeedRow otherwise) and missing translations."""
    rows = read_pages(folder)
    requested = check_requested("page", pages, rows)
    empty = not Page.objects.exists()
    kinds_there = set(Page.objects.exclude(kind=PageKind.ABOUT).values_list("kind", flat=True))
    report = SeedReport(created={"pages": 0})
    for row in rows:
        if row["kind"] == PageKind.ABOUT:
            create = empty or row["slug"] in requested
        else:  # one of each kind, whatever its slug has become
            create = row["kind"] not in kinds_there
        load_row(Page, row, list(row), kind="pages", report=report, create=create)
    return report
