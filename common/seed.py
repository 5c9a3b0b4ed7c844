"""Loading seed rows from ``fixtures/`` without bringing back what staff removed.

Seed rows are created only where staff have not started yet: in an empty table (no
project at all in the catalogue, no page, no forum), or when a row is asked for by name
(``load_seed --project <slug>``). Once staff keep the content, a row they deleted stays
deleted and a row whose slug they changed is not created a second time under its old one.

A row still there (matched by its slug) keeps what staff made of it, with one exception:
a translation the file has and the row lacks (its column NULL or "") is filled in, so that
translations added to the file after a first load still reach the database. A column that
has text is never touched.

Translated fields are given per language in the file (``title_fr``, ``title_en``,
``title_es``) and written to those columns, whatever the active language.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from modeltranslation.translator import translator

from common.translation import localized_field, localized_fields


class UnknownSeedRow(ValueError):
    """A row asked for by slug that the seed file does not hold."""

    def __init__(self, kind: str, unknown: Iterable[str], known: Iterable[str]):
        self.kind, self.unknown, self.known = kind, sorted(unknown), sorted(known)
        super().__init__(
            f"The seed has no {kind} {', '.join(self.unknown)}; "
            f"its {kind}s are: {', '.join(self.known) or 'none'}."
        )


@dataclass
class SeedReport:
    """What loading a seed file did: rows created per kind (and their slugs), translations
    filled in, and the slugs of the file's rows left out because staff already keep that
    table."""

    created: dict[str, int] = field(default_factory=dict)
    translations_filled: int = 0
    created_slugs: dict[str, list[str]] = field(default_factory=dict)
    left_out: dict[str, list[str]] = field(default_factory=dict)

    def count_created(self, kind: str, was_created: bool, slug: str = "") -> None:
        self.created[kind] = self.created.get(kind, 0) + was_created
        if was_created:
            self.created_slugs.setdefault(kind, []).append(slug)

    def __str__(self):
        return ", ".join(f"{count} {kind}" for kind, count in self.created.items())


def check_requested(kind: str, requested: Iterable[str], rows: list[dict]) -> set[str]:
    """The slugs of ``requested``, all of which must be rows of the file."""
    requested, known = set(requested), {row["slug"] for row in rows}
    if requested - known:
        raise UnknownSeedRow(kind, requested - known, known)
    return requested


def fill_missing_translations(obj: models.Model, row: dict) -> int:
    """Copy into ``obj`` each translation column of ``row`` that is empty in ``obj`` (NULL
    or "") and has text in ``row``; save those columns and return how many were filled."""
    filled, filled_base = [], []
    for base in translator.get_options_for_model(type(obj)).fields:
        for column in localized_fields(base):
            if row.get(column) and not getattr(obj, column):
                setattr(obj, column, row[column])
                filled.append(column)
                if column == localized_field(base, settings.LANGUAGE_CODE):
                    # The base column (``title``) holds the French original
                    # (TranslatedModel.save). It is saved only together with the French
                    # column: saved alone, modeltranslation would copy it into that column.
                    filled_base.append(base)
    if filled:
        auto_now = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=[*filled, *filled_base, *auto_now])
    return len(filled)


def load_row(
    model: type[models.Model],
    row: dict,
    fields: list[str],
    *,
    kind: str,
    report: SeedReport,
    create: bool = True,
) -> tuple[models.Model | None, bool]:
    """The ``model`` row whose slug is ``row["slug"]``, with its missing translations
    filled in. When there is none, it is created from ``fields`` of ``row`` if ``create``,
    else left out (and named in ``report.left_out``). Returns the row (None when left out)
    and whether it was created."""
    obj = model.objects.filter(slug=row["slug"]).first()
    if obj is None and not create:
        report.count_created(kind, False)
        report.left_out.setdefault(kind, []).append(row["slug"])
        return None, False
    if obj is None:
        obj, was_created = model.objects.get_or_create(
            slug=row["slug"], defaults={name: row[name] for name in fields if name in row}
        )
    else:
        was_created = False
    report.count_created(kind, was_created, row["slug"])
    if not was_created:
        report.translations_filled += fill_missing_translations(obj, row)
    return obj, was_created


def with_translations(model: type[models.Model], fields: list[str]) -> list[str]:
    """``fields`` with each translated one (``title``) replaced by its columns
    (``title_fr``, ``title_en``, ``title_es``)."""
    translated = translator.get_options_for_model(model).fields
    return [
        column
        for name in fields
        for column in (localized_fields(name) if name in translated else [name])
    ]
