"""Loading the site pages from ``fixtures/pages/<language>/<order>-<slug>.md``.

The first line of each file is ``# Title``; the rest is the Markdown body. A page already
in the database (same slug and language) is left as staff edited it.
"""

from pathlib import Path

from django.db import transaction

from icmd.models import Page


@transaction.atomic
def load_pages(folder: Path) -> int:
    created = 0
    for path in sorted(Path(folder).glob("*/*.md")):
        order, _, slug = path.stem.partition("-")
        heading, _, body = path.read_text(encoding="utf-8").partition("\n")
        body = body.strip()
        summary = body.split("\n\n", 1)[0]
        _page, was_created = Page.objects.get_or_create(
            slug=slug,
            language=path.parent.name,
            defaults={
                "title": heading.removeprefix("# ").strip(),
                "summary": summary if not summary.startswith(("#", "-")) else "",
                "body": body,
                "order": int(order),
            },
        )
        created += was_created
    return created
