"""Loading the forum categories from ``fixtures/forums.json``.

A forum already in the database (same slug) is left as staff edited it.
"""

import json
from pathlib import Path

from django.db import transaction

from forums.models import Forum

FORUM_FIELDS = ["name_fr", "name_en", "name_es", "description", "order"]


@transaction.atomic
def load_forums(path: Path) -> int:
    """Create the forums of the file that are missing; return how many were created."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    created = 0
    for row in data["forums"]:
        _forum, was_created = Forum.objects.get_or_create(
            slug=row["slug"], defaults={name: row[name] for name in FORUM_FIELDS if name in row}
        )
        created += was_created
    return created
