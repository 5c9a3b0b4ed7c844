"""Loading the seed catalogue (``fixtures/catalogue.json``) without overriding staff.

The file's rows are created in an empty catalogue only (no project at all), or one
project at a time when asked for by slug (``load_seed --project <slug>``, which also
creates what that project needs and is missing: its phase, themes, criteria and partner
organisations). Once the catalogue has projects, a seed project staff deleted is not
brought back, and one whose slug they changed is not created again under its old slug.
Rows still there keep what staff made of them; only their missing translations are filled
in from the file (common/seed.py).
"""

import json
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from common.seed import SeedReport, check_requested, load_row, with_translations
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
def load_catalogue(path: Path, *, projects: Iterable[str] = ()) -> SeedReport:
    """Load ``path``: everything in an empty catalogue, else the ``projects`` asked for
    (slugs of the file; UnknownSeedRow otherwise) and missing translations."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    requested = check_requested("project", projects, data["projects"])
    report = SeedReport()
    empty = not Project.objects.exists()
    wanted = [row for row in data["projects"] if empty or row["slug"] in requested]
    # What the projects to create refer to, created with them when missing.
    needed = {
        "phases": {row["phase"] for row in wanted},
        "themes": {slug for row in wanted for slug in row["themes"]},
        "criteria": {slug for row in wanted for slug in row.get("criteria_met", [])},
        "organisations": {slug for row in wanted for slug in row["partners"]},
    }

    def load(model, kind, row, fields):
        return load_row(
            model,
            row,
            with_translations(model, fields),
            kind=kind,
            report=report,
            create=empty or row["slug"] in needed.get(kind, requested),
        )

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
