"""Loading the library's first resources from ``fixtures/library.json``: the initiative's own
materials the source document names (the selection criteria, the expected results, the
"M&D goes local" approach), as links to the site's about pages, in French, English and
Spanish.

Like the other seed files (common/seed.py): resources are created when the library has
none, or one at a time when asked for by slug (``load_seed --resource <slug>``); a seed
resource staff deleted stays deleted, one whose slug they changed is not created again, and
one still there keeps what staff made of it, only its missing translations filled in. They
are published as the seed loads them, and not announced to the followers of their themes
(they are not news). A theme of the file the catalogue no longer has is left out.
"""

import json
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from common.seed import SeedReport, check_requested, load_row, with_translations
from library.models import Resource, ReviewStatus
from projects.models import Theme

FIELDS = [
    "title",
    "summary",
    "kind",
    "languages",
    "publisher_name",
    "countries",
    "url",
    "status",
    "published_at",
    "announced_at",
]


@transaction.atomic
def load_library(path: Path, *, resources: Iterable[str] = ()) -> SeedReport:
    """Load the resources of ``path``: all of them when the library has none yet, else the
    ``resources`` asked for (slugs of the file; UnknownSeedRow otherwise) and missing
    translations."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    requested = check_requested("resource", resources, data["resources"])
    empty = not Resource.objects.exists()
    fields = with_translations(Resource, FIELDS)
    now = timezone.now()
    report = SeedReport(created={"resources": 0})
    themes = Theme.objects.in_bulk(
        {slug for row in data["resources"] for slug in row.get("themes", [])},
        field_name="slug",
    )
    for row in data["resources"]:
        row = {
            **row,
            "status": ReviewStatus.PUBLISHED,
            "published_at": now,
            "announced_at": now,
        }
        create = empty or row["slug"] in requested
        resource, created = load_row(
            Resource, row, fields, kind="resources", report=report, create=create
        )
        if created:
            resource.themes.set([themes[slug] for slug in row.get("themes", []) if slug in themes])
    return report
