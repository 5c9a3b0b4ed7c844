"""Loading the seed catalogue (``fixtures/catalogue.json``) without ever duplicating a row.

Rows are matched by slug: a row already there keeps what staff made of it, so edits survive
a second load; only its missing translations are filled in from the file (common/seed.py).
"""

import json
from pathlib import Path

from django.db import transaction

from common.seed import SeedReport, load_row, with_translations
from projects.models import (
    Organisation,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    SelectionCriterion,
    Theme,
)


@transaction.atomic
def load_catalogue(path: Path) -> SeedReport:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    report = SeedReport()

    def load(model, kind, row, fields):
        return load_row(model, row, with_translations(model, fields), kind=kind, report=report)

    phases = {
        row["slug"]: load(
            Phase,
            "phases",
            row,
            ["name", "start_date", "end_date", "reported_projects", "reported_countries"],
        )[0]
        for row in data["phases"]
    }
    themes = {row["slug"]: load(Theme, "themes", row, ["name"])[0] for row in data["themes"]}
    criteria = {
        row["slug"]: load(SelectionCriterion, "criteria", row, ["name", "order"])[0]
        for row in data["selection_criteria"]
    }
    organisations = {
        row["slug"]: load(
            Organisation,
            "organisations",
            row,
            ["name", "kind", "country", "city", "website", "description"],
        )[0]
        for row in data["organisations"]
    }
    for row in data["projects"]:
        project, was_created = load(
            Project,
            "projects",
            dict(row, phase=phases[row["phase"]]),
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
    return report
