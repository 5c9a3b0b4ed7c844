"""Downloads of the filtered project list: the same rows, in the same order, as the list page
shows (all its pages), here as CSV; ``projects.iati`` writes the IATI XML, and
``projects.downloads`` serves both (streamed, cached, rate-limited).

The CSV is in the language of the page it is downloaded from (``/en/projects/export.csv``):
column names, countries, choices, and the catalogue's texts (titles, localities, objectives,
names of organisations, themes and phases), each in that language where it is translated,
else in French (then English, then Spanish), as the site shows it."""

import csv
import re
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from projects.downloads import in_blocks, serve_download
from projects.models import PartnershipRole, Project

# A spreadsheet reads a cell as a formula when it starts with one of these, also after
# spaces, line breaks or other control characters (which it skips), or with a tab or
# carriage return itself.
FORMULA = re.compile(r"^[\s\x00-\x1f\x7f]*[=+\-@]|^[\t\r]")
LIST_SEPARATOR = "; "


def neutralised(value) -> str:
    """The cell's text, with a leading quote if a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if FORMULA.match(text) else text


def csv_header() -> list[str]:
    return [
        _("Title"),
        _("Country"),
        _("Locality"),
        _("Main objective"),
        _("Lead organisation"),
        _("Partners (role)"),
        _("Themes"),
        _("Phase"),
        _("Status"),
        _("Duration (months)"),
        _("Funding amount"),
        _("Currency"),
        _("Start date"),
        _("End date"),
        _("Page URL"),
    ]


def csv_row(project: Project, page_url: str) -> list:
    partnerships = list(project.partnerships.all())
    lead = next((p.organisation.name for p in partnerships if p.role == PartnershipRole.LEAD), "")
    return [
        project.title,
        project.country.name,
        project.locality,
        project.objective,
        lead,
        LIST_SEPARATOR.join(
            f"{p.organisation.name} ({p.get_role_display()})" for p in partnerships
        ),
        LIST_SEPARATOR.join(theme.name for theme in project.themes.all()),
        project.phase.name,
        project.get_status_display(),
        project.duration_months,
        format(project.funding_amount, "f"),
        project.funding_currency,
        project.start_date.isoformat() if project.start_date else "",
        project.end_date.isoformat() if project.end_date else "",
        page_url,
    ]


class Line:
    """What ``csv.writer`` writes to: it hands back each row it is given, as text."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(projects: Iterable[Project], absolute_url) -> Iterator[bytes]:
    """The CSV file of ``projects`` (from ``for_listing()``), in UTF-8 blocks: first a
    byte-order mark (so that Excel reads accents right) and the header row, then one row
    per project; ``absolute_url(path)`` makes the pages' links absolute."""
    writer = csv.writer(Line())
    header = writer.writerow(neutralised(cell) for cell in csv_header())
    yield f"\ufeff{header}".encode()
    yield from in_blocks(
        writer.writerow(
            neutralised(cell) for cell in csv_row(project, absolute_url(project.get_absolute_url()))
        ).encode()
        for project in projects
    )


def projects_csv(request):
    """The filtered project list as CSV, streamed (see ``projects.downloads``)."""
    return serve_download(
        request,
        kind="csv",
        content_type="text/csv; charset=utf-8",
        filename=f"icmd-projects-{timezone.localdate():%Y-%m-%d}.csv",
        write=lambda projects: csv_chunks(projects, request.build_absolute_uri),
    )
