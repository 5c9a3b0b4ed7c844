"""Loading the seed catalogue (``fixtures/catalogue.json``) without ever duplicating a row.

Rows are matched by slug: a row already there is left as it is, so edits made by staff
survive a second load.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from projects.models import (
    Organisation,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    SelectionCriterion,
    Theme,
)


@dataclass
class SeedReport:
    created: dict[str, int]

    def __str__(self):
        return ", ".join(f"{count} {name}" for name, count in self.created.items())


@transaction.atomic
def load_catalogue(path: Path) -> SeedReport:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    created = {"phases": 0, "themes": 0, "criteria": 0, "organisations": 0, "projects": 0}

    def get_or_create(model, key, row, fields):
        obj, was_created = model.objects.get_or_create(
            slug=row["slug"],
            defaults={name: row[name] for name in fields if name in row},
        )
        created[key] += was_created
        return obj, was_created

    phases = {
        row["slug"]: get_or_create(
            Phase,
            "phases",
            row,
            [
                "name",
                "name_en",
                "name_es",
                "start_date",
                "end_date",
                "reported_projects",
                "reported_countries",
            ],
        )[0]
        for row in data["phases"]
    }
    themes = {
        row["slug"]: get_or_create(Theme, "themes", row, ["name", "name_en", "name_es"])[0]
        for row in data["themes"]
    }
    criteria = {
        row["slug"]: get_or_create(
            SelectionCriterion, "criteria", row, ["name", "name_en", "name_es", "order"]
        )[0]
        for row in data["selection_criteria"]
    }
    organisations = {
        row["slug"]: get_or_create(
            Organisation,
            "organisations",
            row,
            ["name", "kind", "country", "city", "website", "description"],
        )[0]
        for row in data["organisations"]
    }
    for row in data["projects"]:
        defaults = dict(row, phase=phases[row["phase"]])
        project, was_created = get_or_create(
            Project,
            "projects",
            defaults,
            [
                "title",
                "country",
                "locality",
                "objective",
                "description",
                "phase",
                "status",
                "duration_months",
                "funding_amount",
                "funding_currency",
                "start_date",
                "end_date",
            ],
        )
        if not was_created:
            continue
        project.themes.set(themes[slug] for slug in row["themes"])
        project.criteria_met.set(criteria[slug] for slug in row.get("criteria_met", []))
        Partnership.objects.bulk_create(
            Partnership(
                project=project,
                organisation=organisations[slug],
                role=PartnershipRole.LEAD if order == 0 else PartnershipRole.PARTNER,
                order=order,
            )
            for order, slug in enumerate(row["partners"])
        )
    return SeedReport(created)
