"""Loading seed rows from ``fixtures/`` without duplicating them or overwriting staff edits.

A row is matched by its slug. A row that is not there yet is created from the file; a row
already there keeps what staff made of it, with one exception: a translation the file has
and the row lacks (its column NULL or "") is filled in, so that translations added to the
file after a first load still reach the database. A column that has text is never touched.

Translated fields are given per language in the file (``title_fr``, ``title_en``,
``title_es``) and written to those columns, whatever the active language.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from modeltranslation.translator import translator

from common.translation import localized_field, localized_fields


@dataclass
class SeedReport:
    """What loading a seed file did: rows created per kind, and translations filled in."""

    created: dict[str, int] = field(default_factory=dict)
    translations_filled: int = 0

    def count_created(self, kind: str, was_created: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + was_created

    def __str__(self):
        return ", ".join(f"{count} {kind}" for kind, count in self.created.items())


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
    model: type[models.Model], row: dict, fields: list[str], *, kind: str, report: SeedReport
) -> tuple[models.Model, bool]:
    """The ``model`` row whose slug is ``row["slug"]``: created from ``fields`` of ``row``
    when missing, else left as it is but for its missing translations. Counts both in
    ``report``; returns the row and whether it was created."""
    obj, was_created = model.objects.get_or_create(
        slug=row["slug"], defaults={name: row[name] for name in fields if name in row}
    )
    report.count_created(kind, was_created)
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
