"""Loading the forum categories from ``fixtures/forums.json``.

A forum already in the database (same slug) is left as staff edited it; only its missing
translations are filled in from the file (common/seed.py).
"""

import json
from pathlib import Path

from django.db import transaction

from common.seed import SeedReport, load_row, with_translations
from forums.models import Forum


@transaction.atomic
def load_forums(path: Path) -> SeedReport:
    """Create the forums of the file that are missing and fill in missing translations."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    fields = with_translations(Forum, ["name", "description", "order"])
    report = SeedReport(created={"forums": 0})
    for row in data["forums"]:
        load_row(Forum, row, fields, kind="forums", report=report)
    return report
