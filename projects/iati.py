"""IATI 2.03 activity files: the export of the catalogue, and the import of activities.

Every file the portal writes validates against the official schema (``iati_schema/``); an
imported file must validate too, or nothing is imported.

How a project maps to an ``<iati-activity>`` (the export writes all of it; the import reads
it back, so importing the portal's own export gives back the same catalogue):

=====================  ==================================================================
project                IATI
=====================  ==================================================================
IATI identifier        ``iati-identifier``: the stored one, else ``XM-DAC-41114-ICMD-<slug>``
(reporter)             ``reporting-org`` UNDP, ref ``XM-DAC-41114``, type 40 (multilateral)
title                  ``title`` (narratives in French: ``xml:lang="fr"``)
description, objective ``description`` type 1 (general) and type 2 (objectives)
(funder)               ``participating-org`` role 1 (funding): UNDP / ICMD
lead, partners         ``participating-org`` role 4 (implementing), the lead first
status                 ``activity-status``: planned 1, ongoing 2, completed 4 (3 and 4 read
                       back as completed; 6, suspended, as ongoing; 5, cancelled, skipped)
start and end dates    ``activity-date`` type 1 and 3 (planned); when neither is known, the
                       start of the project's phase, marked ``icmd:estimated`` (the schema
                       requires one date) and ignored by the import
country                ``recipient-country``
locality               ``location/name``
themes                 ``tag`` vocabulary 99, its URI the API's theme list, code the slug
funding, currency      ``budget`` over the project's duration, and ``default-currency``
page URL               ``document-link`` category A12 (activity web page)
slug, phase, duration  ``icmd:slug``, ``icmd:phase``, ``icmd:duration-months`` attributes, in
                       our own namespace (the schema allows any attribute of another one);
                       partners carry ``icmd:role``, ``icmd:kind``, ``icmd:country``, ``icmd:slug``
=====================  ==================================================================

Importing a file from another publisher, where those attributes are missing: projects are
matched by ``iati-identifier``; organisations by ``ref`` when it is given, else by name
(case-insensitive), and are created otherwise. Only implementing organisations (role 4)
become partners; the first leads. The start and end are the actual dates when given, else
the planned ones. The funding is the sum of the revised budgets if there are any, else of
the original ones (one currency only). The duration comes from the dates, else from the
budget periods. The phase is the one whose dates hold the start, else the current phase
(the latest). Themes come from the portal's own tags only.
"""

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext_lazy
from django_countries import countries
from lxml import etree

from projects.exports import filtered_projects
from projects.models import (
    MAX_DURATION_MONTHS,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    ProjectStatus,
    Theme,
)

IATI_VERSION = "2.03"
SCHEMA_PATH = Path(__file__).resolve().parent / "iati_schema" / "iati-activities-schema.xsd"
REPORTING_ORG_REF = "XM-DAC-41114"  # UNDP in the OECD DAC list of organisations
REPORTING_ORG_TYPE = "40"  # multilateral
REPORTING_ORG_NAME = "Programme des Nations Unies pour le développement (PNUD)"
FUNDER_NAME = "PNUD – Initiative conjointe pour la migration et le développement (ICMD)"
IDENTIFIER_PREFIX = f"{REPORTING_ORG_REF}-ICMD-"
CONTENT_LANGUAGE = "fr"  # titles, objectives and names in the catalogue are in French

# Our own attributes, where IATI has no element for a field of the catalogue.
ICMD_NAMESPACE = "urn:x-icmd-portal:iati:1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def icmd(name: str) -> str:
    return f"{{{ICMD_NAMESPACE}}}{name}"


ROLE_FUNDING = "1"
ROLE_IMPLEMENTING = "4"
STATUS_TO_CODE = {
    ProjectStatus.PLANNED: "1",  # pipeline/identification
    ProjectStatus.ONGOING: "2",  # implementation
    ProjectStatus.COMPLETED: "4",  # closed
}
CODE_TO_STATUS = {
    "1": ProjectStatus.PLANNED,
    "2": ProjectStatus.ONGOING,
    "3": ProjectStatus.COMPLETED,  # finalisation
    "4": ProjectStatus.COMPLETED,
    "6": ProjectStatus.ONGOING,  # suspended
}
CANCELLED = "5"
# IATI OrganisationType codes.
KIND_TO_TYPE = {
    OrganisationKind.LOCAL_AUTHORITY: "11",  # local government
    OrganisationKind.CIVIL_SOCIETY: "22",  # national NGO
    OrganisationKind.DIASPORA: "22",
    OrganisationKind.NGO: "21",  # international NGO
    OrganisationKind.DEVELOPMENT_AGENCY: "15",  # other public sector
    OrganisationKind.FOUNDATION: "60",
    OrganisationKind.INTERNATIONAL: "40",  # multilateral
    OrganisationKind.PRIVATE_SECTOR: "70",
}
TYPE_TO_KIND = {
    "10": OrganisationKind.LOCAL_AUTHORITY,
    "11": OrganisationKind.LOCAL_AUTHORITY,
    "15": OrganisationKind.DEVELOPMENT_AGENCY,
    "21": OrganisationKind.NGO,
    "22": OrganisationKind.CIVIL_SOCIETY,
    "23": OrganisationKind.NGO,
    "24": OrganisationKind.CIVIL_SOCIETY,
    "30": OrganisationKind.PRIVATE_SECTOR,
    "40": OrganisationKind.INTERNATIONAL,
    "60": OrganisationKind.FOUNDATION,
    "70": OrganisationKind.PRIVATE_SECTOR,
    "71": OrganisationKind.PRIVATE_SECTOR,
    "72": OrganisationKind.PRIVATE_SECTOR,
    "73": OrganisationKind.PRIVATE_SECTOR,
}
OTHER_TYPE = "90"
DEFAULT_KIND = OrganisationKind.CIVIL_SOCIETY
THEME_VOCABULARY = "99"  # the reporting organisation's own
THEME_VOCABULARY_PATH = "/api/v1/themes/"
WEB_PAGE_CATEGORY = "A12"  # activity web page
ESTIMATED_START_NOTE = gettext_noop(
    "Start of the ICMD phase: the project’s own start date is not recorded."
)

# Characters XML 1.0 cannot hold (control characters); they are dropped from exported text.
NOT_XML_CHARACTERS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- dates -------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (exclusive), to the nearest month."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + round((end.day - start.day) / 30)


def day_after(day: date) -> date:
    return day if day == date.max else day + timedelta(days=1)


# --- export ------------------------------------------------------------------------------


def activity_identifier(project: Project) -> str:
    return project.iati_identifier or f"{IDENTIFIER_PREFIX}{project.slug}"


def xml_text(value) -> str:
    return NOT_XML_CHARACTERS.sub("", str(value))


def element(parent, tag: str, attributes: dict | None = None, text=None):
    child = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in (attributes or {}).items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def narrative(parent, text, language: str = CONTENT_LANGUAGE):
    return element(parent, "narrative", {XML_LANG: language}, text)


def translations(message: str) -> list[tuple[str, str]]:
    """(language, text) of ``message`` in English and in each site language it is translated
    into, so that every narrative says truly which language it is in."""
    found = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            text = _(message)
        if language == "en" or text != message:
            found.append((language, text))
    return found


def budget_period(project: Project) -> tuple[date, date]:
    """The project's whole duration: from its start (or its phase's, when unknown) to its end
    (or start + duration)."""
    start = project.start_date or project.phase.start_date
    if project.end_date and project.end_date >= start:
        return start, project.end_date
    end = add_months(start, project.duration_months)
    return start, end if end == date.max else end - timedelta(days=1)


def add_activity(root, project: Project, absolute_url) -> None:
    activity = element(
        root,
        "iati-activity",
        {
            "last-updated-datetime": project.updated.replace(microsecond=0).isoformat(),
            XML_LANG: CONTENT_LANGUAGE,
            "default-currency": project.funding_currency,
            icmd("slug"): project.slug,
            icmd("phase"): project.phase.slug,
            icmd("duration-months"): project.duration_months,
        },
    )
    element(activity, "iati-identifier", text=activity_identifier(project))
    reporting_org = element(
        activity, "reporting-org", {"ref": REPORTING_ORG_REF, "type": REPORTING_ORG_TYPE}
    )
    narrative(reporting_org, REPORTING_ORG_NAME)
    narrative(element(activity, "title"), project.title)
    if project.description:
        narrative(element(activity, "description", {"type": "1"}), project.description)
    if project.objective or not project.description:
        objective = element(activity, "description", {"type": "2"})
        narrative(objective, project.objective or project.title)

    funder = element(
        activity,
        "participating-org",
        {"ref": REPORTING_ORG_REF, "type": REPORTING_ORG_TYPE, "role": ROLE_FUNDING},
    )
    narrative(funder, FUNDER_NAME)
    for partnership in project.partnerships.all():
        organisation = partnership.organisation
        attributes = {
            "role": ROLE_IMPLEMENTING,
            "type": KIND_TO_TYPE.get(organisation.kind, OTHER_TYPE),
        }
        if organisation.iati_ref:
            attributes["ref"] = organisation.iati_ref
        attributes |= {
            icmd("role"): partnership.role,
            icmd("kind"): organisation.kind,
            icmd("country"): organisation.country.code,
            icmd("slug"): organisation.slug,
        }
        narrative(element(activity, "participating-org", attributes), organisation.name)

    status_code = STATUS_TO_CODE.get(project.status, STATUS_TO_CODE[ProjectStatus.ONGOING])
    element(activity, "activity-status", {"code": status_code})
    if project.start_date:
        element(activity, "activity-date", {"type": "1", "iso-date": project.start_date})
    if project.end_date:
        element(activity, "activity-date", {"type": "3", "iso-date": project.end_date})
    if not (project.start_date or project.end_date):
        estimated = element(
            activity,
            "activity-date",
            {"type": "1", "iso-date": project.phase.start_date, icmd("estimated"): "phase-start"},
        )
        for language, text in translations(ESTIMATED_START_NOTE):
            narrative(estimated, text, language)

    element(activity, "recipient-country", {"code": project.country.code, "percentage": "100"})
    if project.locality:
        narrative(element(element(activity, "location"), "name"), project.locality)
    themes_uri = absolute_url(reverse("api:theme-list"))
    for theme in project.themes.all():
        tag = element(
            activity,
            "tag",
            {"vocabulary": THEME_VOCABULARY, "vocabulary-uri": themes_uri, "code": theme.slug},
        )
        narrative(tag, theme.name)

    start, end = budget_period(project)
    budget = element(activity, "budget", {"type": "1", "status": "2"})  # original, committed
    element(budget, "period-start", {"iso-date": start})
    element(budget, "period-end", {"iso-date": end})
    element(
        budget,
        "value",
        {"currency": project.funding_currency, "value-date": start},
        format(project.funding_amount, "f"),
    )

    page = element(
        activity,
        "document-link",
        {"url": absolute_url(project.get_absolute_url()), "format": "text/html"},
    )
    narrative(element(page, "title"), project.title)
    element(page, "category", {"code": WEB_PAGE_CATEGORY})
    element(page, "language", {"code": CONTENT_LANGUAGE})


def activities_document(projects, absolute_url) -> bytes:
    """An IATI 2.03 activities file of ``projects`` (at least one, from ``for_listing()``);
    ``absolute_url(path)`` makes the links absolute."""
    root = etree.Element(
        "iati-activities",
        {
            "version": IATI_VERSION,
            "generated-datetime": timezone.now().replace(microsecond=0).isoformat(),
        },
        nsmap={"icmd": ICMD_NAMESPACE},
    )
    for project in projects:
        add_activity(root, project, absolute_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def iati_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def projects_iati(request):
    """The filtered project list (all its pages, in its order) as an IATI activities file."""
    projects = list(filtered_projects(request))
    if not projects:  # the schema requires at least one activity
        return render(request, "projects/iati_empty.html", status=404)
    filename = f"icmd-iati-activities-{timezone.localdate():%Y-%m-%d}.xml"
    return iati_response(activities_document(projects, request.build_absolute_uri), filename)


def project_iati(request, slug):
    """One published project as an IATI activities file."""
    project = get_object_or_404(Project.objects.published().for_listing(), slug=slug)
    content = activities_document([project], request.build_absolute_uri)
    return iati_response(content, f"icmd-iati-{project.slug}.xml")


# --- reading and checking a file ---------------------------------------------------------


class InvalidIATIFile(Exception):
    """A file that is not XML or not valid against the IATI 2.03 schema: nothing imported."""

    MAX_ERRORS = 50

    def __init__(self, message: str, errors):
        super().__init__(message)
        self.message = message
        errors = list(errors)
        self.errors = errors[: self.MAX_ERRORS]
        if len(errors) > self.MAX_ERRORS:
            self.errors.append(
                _("… and %(count)d more.") % {"count": len(errors) - self.MAX_ERRORS}
            )


def schema_error_line(error) -> str:
    return _("line %(line)s: %(message)s") % {"line": error.line, "message": error.message}


def activities_schema() -> etree.XMLSchema:
    """The official schema (with the files it includes, beside it; no network)."""
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))


def validation_errors(document: bytes) -> list[str]:
    """The schema's complaints about ``document`` (an empty list when it is valid)."""
    try:
        read_activities(document)
    except InvalidIATIFile as invalid:
        return [invalid.message, *invalid.errors]
    return []


def read_activities(data: bytes):
    """The root of a valid IATI activities file, or ``InvalidIATIFile``. Entities are not
    expanded and nothing is fetched from the network."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        lines = [schema_error_line(entry) for entry in error.error_log] or [str(error)]
        raise InvalidIATIFile(_("This file is not well-formed XML."), lines) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidIATIFile(
            _("This file is not valid against the IATI 2.03 activities schema."),
            [_("It has a DOCTYPE declaration, which IATI files do not use.")],
        )
    schema = activities_schema()
    try:
        valid = schema.validate(root)
    except etree.Error as error:
        raise InvalidIATIFile(
            _("This file is not valid against the IATI 2.03 activities schema."), [str(error)]
        ) from None
    if not valid:
        raise InvalidIATIFile(
            _("This file is not valid against the IATI 2.03 activities schema."),
            [schema_error_line(entry) for entry in schema.error_log],
        )
    return root


# --- import ------------------------------------------------------------------------------


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    LABELS = {
        CREATED: pgettext_lazy("IATI import outcome", "created"),
        UPDATED: pgettext_lazy("IATI import outcome", "updated"),
        UNCHANGED: pgettext_lazy("IATI import outcome", "unchanged"),
        SKIPPED: pgettext_lazy("IATI import outcome", "skipped"),
    }


@dataclass
class ActivityOutcome:
    identifier: str
    title: str
    outcome: str
    line: int | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    project: Project | None = None

    @property
    def label(self) -> str:
        return str(Outcome.LABELS[self.outcome])


@dataclass
class ImportReport:
    dry_run: bool = False
    outcomes: list[ActivityOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.outcomes if item.outcome == outcome)

    @property
    def summary(self) -> str:
        # "label: count" reads right in every language, whatever the count.
        counts = ", ".join(
            f"{label}: {self.count(outcome)}" for outcome, label in Outcome.LABELS.items()
        )
        text = ngettext(
            "%(count)d activity (%(counts)s).",
            "%(count)d activities (%(counts)s).",
            len(self.outcomes),
        ) % {"count": len(self.outcomes), "counts": counts}
        if self.dry_run:
            text += " " + _("Nothing was saved (check only).")
        return text


class SkipActivity(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class PartnerData:
    name: str
    ref: str
    role: str
    kind: str | None  # from icmd:kind, else from the IATI type, else None
    kind_is_explicit: bool
    country: str | None
    slug: str


@dataclass
class ActivityData:
    identifier: str
    slug: str
    title: str
    objective: str
    description: str
    country: str
    locality: str
    status: str
    start_date: date | None
    end_date: date | None
    duration_months: int
    funding_amount: Decimal
    funding_currency: str
    phase: Phase
    themes: list[tuple[str, str]]
    partners: list[PartnerData]
    notes: list[str]


SLUG = re.compile(r"[-a-zA-Z0-9_]+")
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_AMOUNT = Decimal("999999999999.99")  # 14 digits, 2 after the point


def text_of(node, default_language: str) -> str:
    """The text of an element's narratives: the French one if there is one, else the first
    one that is not empty."""
    if node is None:
        return ""
    texts = [
        ((item.get(XML_LANG) or default_language).lower(), (item.text or "").strip())
        for item in node.iterchildren("narrative")
    ]
    texts = [(language, text) for language, text in texts if text]
    for language, text in texts:
        if language.startswith(CONTENT_LANGUAGE):
            return text
    return texts[0][1] if texts else ""


def iso_date(value: str | None) -> date | None:
    """The date of an ``xsd:date`` (a time zone suffix is ignored); None if unusable."""
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def shortened(text: str, length: int, note: str, notes: list[str]) -> str:
    """``text`` cut to ``length`` characters, with ``note`` added to ``notes`` if it was."""
    if len(text) <= length:
        return text
    notes.append(note % {"length": length})
    return text[: length - 1] + "…"


class ActivityImporter:
    """Reads ``<iati-activity>`` elements into projects (see the module's documentation)."""

    def __init__(self):
        self.phases = list(Phase.objects.order_by("start_date"))
        self.phases_by_slug = {phase.slug: phase for phase in self.phases}

    # reading -----------------------------------------------------------------------------

    def parse(self, activity) -> ActivityData:
        notes: list[str] = []
        language = activity.get(XML_LANG) or CONTENT_LANGUAGE
        identifier = (activity.findtext("iati-identifier") or "").strip()
        if not identifier:
            raise SkipActivity(_("It has no iati-identifier."))
        if len(identifier) > Project._meta.get_field("iati_identifier").max_length:
            raise SkipActivity(_("Its iati-identifier is too long."))
        title = text_of(activity.find("title"), language)
        if not title:
            raise SkipActivity(_("It has no title."))
        descriptions = {}
        for node in activity.iterchildren("description"):
            text = text_of(node, language)
            if text:
                descriptions.setdefault(node.get("type") or "1", text)
        # The objectives (type 2), else the general description (type 1), else any other.
        objective = descriptions.get("2") or descriptions.get("1") or ""
        objective = objective or next(iter(descriptions.values()), "")
        if not objective:
            raise SkipActivity(_("It has no description to take the objective from."))
        description = descriptions.get("1", "") if descriptions.get("2") else ""

        status_code = (activity.find("activity-status").get("code") or "").strip()
        if status_code == CANCELLED:
            raise SkipActivity(_("The activity was cancelled (status 5)."))
        if status_code not in CODE_TO_STATUS:
            raise SkipActivity(_("Unknown activity status “%(code)s”.") % {"code": status_code})

        start_date, end_date = self.dates(activity)
        if start_date and end_date and end_date < start_date:
            raise SkipActivity(_("It ends before it starts."))
        funding_amount, funding_currency, budget_span = self.funding(activity)
        duration = self.duration(activity, start_date, end_date, budget_span, notes)
        phase_slug = activity.get(icmd("phase"), "")
        phase = self.phases_by_slug.get(phase_slug) or self.phase_at(
            start_date or (budget_span[0] if budget_span else None)
        )
        country = self.country(activity)
        return ActivityData(
            identifier=identifier,
            slug=activity.get(icmd("slug"), ""),
            title=shortened(
                title, 300, _("The title was shortened to %(length)d characters."), notes
            ),
            objective=objective,
            description=description,
            country=country,
            locality=shortened(
                text_of(activity.find("location/name"), language),
                200,
                _("The locality was shortened to %(length)d characters."),
                notes,
            ),
            status=CODE_TO_STATUS[status_code],
            start_date=start_date,
            end_date=end_date,
            duration_months=duration,
            funding_amount=funding_amount,
            funding_currency=funding_currency,
            phase=phase,
            themes=self.themes(activity, language),
            partners=self.partners(activity, language, notes),
            notes=notes,
        )

    def dates(self, activity) -> tuple[date | None, date | None]:
        found = {}
        for node in activity.iterchildren("activity-date"):
            if node.get(icmd("estimated")):
                continue  # written by our export when the project's dates are unknown
            day = iso_date(node.get("iso-date"))
            if day:
                found.setdefault(node.get("type"), day)
        # Actual dates when known, else planned ones.
        return found.get("2") or found.get("1"), found.get("4") or found.get("3")

    def funding(self, activity) -> tuple[Decimal, str, tuple[date, date] | None]:
        budgets = list(activity.iterchildren("budget"))
        if not budgets:
            raise SkipActivity(_("It has no budget, so its funding is unknown."))
        revised = [budget for budget in budgets if budget.get("type") == "2"]
        budgets = revised or budgets
        total, currencies, starts, ends = Decimal(0), set(), [], []
        for budget in budgets:
            value = budget.find("value")
            currency = (value.get("currency") or activity.get("default-currency") or "").strip()
            currencies.add(currency.upper())
            try:
                total += Decimal((value.text or "").strip())
            except InvalidOperation:
                raise SkipActivity(_("A budget value is not a number.")) from None
            starts.append(iso_date(budget.find("period-start").get("iso-date")))
            ends.append(iso_date(budget.find("period-end").get("iso-date")))
        if len(currencies) != 1:
            raise SkipActivity(_("Its budgets are in several currencies."))
        currency = currencies.pop()
        if not CURRENCY.fullmatch(currency):
            raise SkipActivity(_("Its budget has no valid currency code."))
        if not total.is_finite() or total < 0 or total > MAX_AMOUNT:
            raise SkipActivity(_("Its budget total is not an amount the catalogue can hold."))
        span = None
        if all(starts) and all(ends):
            span = (min(starts), max(ends))
        return total.quantize(Decimal("0.01")), currency, span

    def duration(self, activity, start_date, end_date, budget_span, notes) -> int:
        written = activity.get(icmd("duration-months"), "")
        if written.isdecimal() and 1 <= int(written) <= MAX_DURATION_MONTHS:
            return int(written)
        if start_date and end_date:
            months = months_between(start_date, day_after(end_date))
        elif budget_span and budget_span[1] >= budget_span[0]:
            months = months_between(budget_span[0], day_after(budget_span[1]))
        else:
            raise SkipActivity(_("Its duration is unknown: no start and end dates, no budget."))
        if months > MAX_DURATION_MONTHS:
            notes.append(
                _("The duration was shortened to %(months)d months.")
                % {"months": MAX_DURATION_MONTHS}
            )
        return min(max(months, 1), MAX_DURATION_MONTHS)

    def phase_at(self, day: date | None) -> Phase:
        if not self.phases:
            raise SkipActivity(_("The catalogue has no phase to put the project in."))
        if day:
            for phase in reversed(self.phases):
                if phase.start_date <= day and (phase.end_date is None or day <= phase.end_date):
                    return phase
        return self.phases[-1]  # the current phase

    def country(self, activity) -> str:
        candidates = []
        for position, node in enumerate(activity.iterchildren("recipient-country")):
            try:
                percentage = Decimal(node.get("percentage") or "0")
            except InvalidOperation:
                percentage = Decimal(0)
            candidates.append((-percentage, position, (node.get("code") or "").strip().upper()))
        if not candidates:
            raise SkipActivity(_("It has no recipient country."))
        code = min(candidates)[2]
        if code not in countries:
            raise SkipActivity(_("Unknown country code “%(code)s”.") % {"code": code})
        return code

    def themes(self, activity, language) -> list[tuple[str, str]]:
        themes = []
        for tag in activity.iterchildren("tag"):
            uri_path = urlsplit(tag.get("vocabulary-uri") or "").path
            code = (tag.get("code") or "").strip()
            if (
                tag.get("vocabulary") == THEME_VOCABULARY
                and uri_path.endswith(THEME_VOCABULARY_PATH)
                and SLUG.fullmatch(code)
            ):
                themes.append((code, text_of(tag, language) or code))
        return themes

    def partners(self, activity, language, notes) -> list[PartnerData]:
        partners = []
        for node in activity.iterchildren("participating-org"):
            if node.get("role") != ROLE_IMPLEMENTING:
                continue
            name, ref = text_of(node, language), (node.get("ref") or "").strip()
            if not (name or ref):
                notes.append(_("An implementing organisation without name or ref was left out."))
                continue
            kind = node.get(icmd("kind"))
            kind_is_explicit = kind in OrganisationKind.values
            if not kind_is_explicit:
                kind = TYPE_TO_KIND.get((node.get("type") or "").strip())
            country = (node.get(icmd("country")) or "").upper()
            partners.append(
                PartnerData(
                    name=name or ref,
                    ref=ref,
                    role=node.get(icmd("role"), ""),
                    kind=kind,
                    kind_is_explicit=kind_is_explicit,
                    country=country if country in countries else None,
                    slug=node.get(icmd("slug"), ""),
                )
            )
        # The lead: the one the file names, else the first.
        leads = [p for p in partners if p.role == PartnershipRole.LEAD]
        for position, partner in enumerate(partners):
            is_lead = partner is leads[0] if leads else position == 0
            partner.role = PartnershipRole.LEAD if is_lead else PartnershipRole.PARTNER
        return partners

    # saving ------------------------------------------------------------------------------

    def find_project(self, identifier: str) -> Project | None:
        project = Project.objects.filter(iati_identifier=identifier).first()
        if project is None and identifier.startswith(IDENTIFIER_PREFIX):
            slug = identifier.removeprefix(IDENTIFIER_PREFIX)
            project = Project.objects.filter(iati_identifier="", slug=slug).first()
        return project

    def save(self, data: ActivityData) -> tuple[str, Project]:
        values = {
            "title": data.title,
            "objective": data.objective,
            "description": data.description,
            "country": data.country,
            "locality": data.locality,
            "status": data.status,
            "start_date": data.start_date,
            "end_date": data.end_date,
            "duration_months": data.duration_months,
            "funding_amount": data.funding_amount,
            "funding_currency": data.funding_currency,
            "phase": data.phase,
        }
        project = self.find_project(data.identifier)
        if project is None:
            outcome = Outcome.CREATED
            project = Project(
                slug=self.new_project_slug(data),
                iati_identifier=data.identifier,
                published=True,
                **values,
            )
            changed = True
        else:
            outcome = Outcome.UPDATED
            changed = any(
                self.stored_value(project, name) != self.stored_value(value, name)
                for name, value in values.items()
            )
            for name, value in values.items():
                setattr(project, name, value)
        if changed:
            project.full_clean()
            project._change_reason = _("Imported from an IATI file")
            project.save()

        themes = [self.theme(slug, name) for slug, name in data.themes]
        if {theme.pk for theme in themes} != set(project.themes.values_list("pk", flat=True)):
            project.themes.set(themes)
            changed = True

        partners, seen = [], set()
        for partner in data.partners:
            organisation = self.organisation(partner, data.country, data.notes)
            if organisation.pk not in seen:
                seen.add(organisation.pk)
                partners.append((organisation.pk, partner.role))
        current = list(
            project.partnerships.order_by("order", "id").values_list("organisation_id", "role")
        )
        if current != partners:
            project.partnerships.all().delete()
            Partnership.objects.bulk_create(
                Partnership(project=project, organisation_id=pk, role=role, order=order)
                for order, (pk, role) in enumerate(partners)
            )
            changed = True
        return (outcome if changed else Outcome.UNCHANGED), project

    @staticmethod
    def stored_value(source, name):
        """A field's value as stored, from a project or from a plain value."""
        if isinstance(source, Project):
            source = getattr(source, name)
        if name == "phase":
            return source.pk
        if name == "country":
            return str(getattr(source, "code", source))
        return source

    def new_project_slug(self, data: ActivityData) -> str:
        wanted = data.slug
        if not wanted and data.identifier.startswith(IDENTIFIER_PREFIX):
            wanted = data.identifier.removeprefix(IDENTIFIER_PREFIX)
        if not (SLUG.fullmatch(wanted) and len(wanted) <= 120):
            wanted = ""
        return free_slug(Project, wanted or data.title, 120)

    def theme(self, slug: str, name: str) -> Theme:
        theme = Theme.objects.filter(slug=slug).first()
        if theme is None:
            name = name[:100]
            theme = Theme.objects.filter(name=name).first() or Theme.objects.create(
                slug=slug[:50], name=name
            )
        return theme

    def organisation(self, partner: PartnerData, country: str, notes: list[str]) -> Organisation:
        """The organisation a participating-org names: by ref, else by name; else a new one."""
        organisation = None
        if partner.ref:
            organisation = Organisation.objects.filter(iati_ref=partner.ref).first()
        matched_by_ref = organisation is not None
        if organisation is None:
            organisation = (
                Organisation.objects.filter(name__iexact=partner.name[:255]).order_by("pk").first()
            )
        if organisation is None:
            organisation = Organisation(
                name=partner.name[:255],
                slug=free_slug(Organisation, partner.slug or partner.name, 255),
                kind=partner.kind or DEFAULT_KIND,
                country=partner.country or country,
                iati_ref=partner.ref,
            )
            organisation.full_clean()
            organisation.save()
            notes.append(_("New organisation: %(name)s.") % {"name": organisation.name})
            return organisation
        changes = {}
        if partner.ref and not organisation.iati_ref:
            changes["iati_ref"] = partner.ref
        if matched_by_ref and partner.name != partner.ref and partner.name != organisation.name:
            changes["name"] = partner.name[:255]
        if partner.kind_is_explicit and partner.kind != organisation.kind:
            changes["kind"] = partner.kind
        if partner.country and partner.country != organisation.country.code:
            changes["country"] = partner.country
        if changes:
            for name, value in changes.items():
                setattr(organisation, name, value)
            organisation.full_clean()
            organisation._change_reason = _("Imported from an IATI file")
            organisation.save()
            notes.append(_("Organisation updated: %(name)s.") % {"name": organisation.name})
        return organisation


def validation_reason(error: ValidationError) -> str:
    """The messages of a model validation error, each with the field it is about."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(
        " ".join(messages) if field == "__all__" else f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


def free_slug(model, text: str, max_length: int) -> str:
    """A slug made from ``text`` that no row of ``model`` has yet."""
    base = slugify(text)[: max_length - 6].strip("-") or model._meta.model_name
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def import_activities(data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Create or update projects (and their organisations) from an IATI activities file.

    A file that is not valid XML or not valid against the schema raises ``InvalidIATIFile``
    before anything is written. Each activity is saved on its own savepoint, within one
    transaction: one the catalogue cannot hold is skipped with the reason, the others are
    saved. With ``dry_run``, the report says what would happen and nothing is kept.
    """
    root = read_activities(data)
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        importer = ActivityImporter()
        seen = set()
        for activity in root.iterchildren("iati-activity"):
            identifier = (activity.findtext("iati-identifier") or "").strip()
            result = ActivityOutcome(
                identifier=identifier,
                title=text_of(activity.find("title"), activity.get(XML_LANG) or CONTENT_LANGUAGE),
                outcome=Outcome.SKIPPED,
                line=activity.sourceline,
            )
            report.outcomes.append(result)
            try:
                if identifier and identifier in seen:
                    raise SkipActivity(_("The same iati-identifier appears earlier in the file."))
                seen.add(identifier)
                data_read = importer.parse(activity)
                result.notes = list(data_read.notes)
                with transaction.atomic():
                    result.outcome, result.project = importer.save(data_read)
                result.notes = data_read.notes  # with the organisations created or updated
            except SkipActivity as skip:
                result.reason = skip.reason
            except ValidationError as error:
                result.reason = validation_reason(error)
            except DatabaseError as error:
                result.reason = _("The database refused it: %(error)s") % {"error": error}
        if dry_run:
            transaction.set_rollback(True)
    return report
