"""Loading the forum categories from ``fixtures/forums.json``.

Forums are created when there is no forum at all, or one at a time when asked for by
slug (``load_seed --forum <slug>``): a forum staff deleted stays deleted, and one whose
slug they changed is not created again. A forum already in the database (same slug) is
left as staff edited it; only its missing translations are filled in from the file
(common/seed.py).
"""

import json
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from common.seed import SeedReport, check_requested, load_row, with_translations
from forums.models import Forum


@transaction.atomic
def load_forums(path: Path, *, forums: Iterable[str] = ()) -> SeedReport:
    """Load the forums of ``path``: all of them when there is none yet, else the ``forums``
    asked for (slugs of the file; UnknownSeedRow otherwise) and missing translations."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    requested = check_requested("forum", forums, data["forums"])
    empty = not Forum.objects.exists()
    fields = with_translations(Forum, ["name", "description", "order"])
    report = SeedReport(created={"forums": 0})
    for row in data["forums"]:
        create = empty or row["slug"] in requested
        load_row(Forum, row, fields, kind="forums", report=report, create=create)
    return report
