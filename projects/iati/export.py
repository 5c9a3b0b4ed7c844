"""Writing projects as an IATI 2.03 activities file (the mapping is in the package's
documentation, ``projects/iati/__init__.py``).

The file is written one activity at a time (``activities_chunks``), so that a catalogue of
any size is streamed in blocks without ever being held whole in memory. Each activity
declares the portal's own namespace (``icmd``) itself, and so stands alone."""

import re
from calendar import monthrange
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lxml import etree

from common.translation import LANGUAGE_CODES, current_language, localized_field
from projects import downloads
from projects.iati.codes import (
    DEFAULT_LANGUAGE,
    DESCRIPTION_GENERAL,
    DESCRIPTION_OBJECTIVES,
    ESTIMATED_START_NOTE,
    FUNDER_NAMES,
    IATI_VERSION,
    ICMD_NAMESPACE,
    KIND_TO_TYPE,
    OTHER_TYPE,
    REPORTING_ORG_NAMES,
    REPORTING_ORG_REF,
    REPORTING_ORG_TYPE,
    ROLE_FUNDING,
    ROLE_IMPLEMENTING,
    STATUS_TO_CODE,
    THEME_VOCABULARY,
    WEB_PAGE_CATEGORY,
    XML_LANG,
    activity_identifier,
    icmd,
)
from projects.iati.links import document_links
from projects.models import Project, ProjectStatus

# Characters XML 1.0 cannot hold (control characters); they are dropped from exported text.
NOT_XML_CHARACTERS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def budget_period(project: Project) -> tuple[date, date]:
    """The project's whole duration: from its start (or its phase's, when unknown) to its end
    (or start + duration)."""
    start = project.start_date or project.phase.start_date
    if project.end_date and project.end_date >= start:
        return start, project.end_date
    end = add_months(start, project.duration_months)
    return start, end if end == date.max else end - timedelta(days=1)


def xml_text(value) -> str:
    return NOT_XML_CHARACTERS.sub("", str(value))


def element(parent, tag: str, attributes: dict | None = None, text=None):
    child = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in (attributes or {}).items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def texts_by_language(obj, field: str) -> dict[str, str]:
    """``{language: text}`` of a translated field, for each language that has text (French,
    English, Spanish, in that order)."""
    texts = {}
    for language in LANGUAGE_CODES:
        text = getattr(obj, localized_field(field, language), None) or ""
        if xml_text(text).strip():
            texts[language] = text
    return texts


def narratives(parent, texts: dict[str, str]) -> None:
    """One ``<narrative xml:lang="…">`` per language."""
    for language, text in texts.items():
        element(parent, "narrative", {XML_LANG: language}, text)


def translations(message: str) -> dict[str, str]:
    """``{language: text}`` of an interface message in English and in each site language
    it is translated into, so that every narrative says truly which language it is in."""
    found = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            text = _(message)
        if language == "en" or text != message:
            found[language] = text
    return found


class FileContext:
    """What every activity of one file shares, worked out once for the file."""

    def __init__(self, absolute_url):
        self.absolute_url = absolute_url  # makes a path absolute
        self.themes_uri = absolute_url(reverse("api:theme-list"))
        self.estimated_start_note = translations(ESTIMATED_START_NOTE)


def activity_element(project: Project, context: FileContext):
    """The ``<iati-activity>`` of ``project``, an element of its own."""
    absolute_url = context.absolute_url
    attributes = {
        "last-updated-datetime": project.updated.replace(microsecond=0).isoformat(),
        XML_LANG: DEFAULT_LANGUAGE,
        "default-currency": project.funding_currency,
        icmd("slug"): project.slug,
        icmd("phase"): project.phase.slug,
        icmd("duration-months"): project.duration_months,
    }
    activity = etree.Element(
        "iati-activity",
        {name: xml_text(value) for name, value in attributes.items()},
        nsmap={"icmd": ICMD_NAMESPACE},
    )
    element(activity, "iati-identifier", text=activity_identifier(project))
    reporting_org = element(
        activity, "reporting-org", {"ref": REPORTING_ORG_REF, "type": REPORTING_ORG_TYPE}
    )
    narratives(reporting_org, REPORTING_ORG_NAMES)
    title = texts_by_language(project, "title")
    narratives(element(activity, "title"), title)
    description = texts_by_language(project, "description")
    objective = texts_by_language(project, "objective")
    if description:
        narratives(element(activity, "description", {"type": DESCRIPTION_GENERAL}), description)
    if objective or not description:
        narratives(
            element(activity, "description", {"type": DESCRIPTION_OBJECTIVES}), objective or title
        )

    funder = element(
        activity,
        "participating-org",
        {"ref": REPORTING_ORG_REF, "type": REPORTING_ORG_TYPE, "role": ROLE_FUNDING},
    )
    narratives(funder, FUNDER_NAMES)
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
        narratives(
            element(activity, "participating-org", attributes),
            texts_by_language(organisation, "name"),
        )

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
        narratives(estimated, context.estimated_start_note)

    element(activity, "recipient-country", {"code": project.country.code, "percentage": "100"})
    locality = texts_by_language(project, "locality")
    if locality:
        narratives(element(element(activity, "location"), "name"), locality)
    for theme in project.themes.all():
        tag = element(
            activity,
            "tag",
            {
                "vocabulary": THEME_VOCABULARY,
                "vocabulary-uri": context.themes_uri,
                "code": theme.slug,
            },
        )
        narratives(tag, texts_by_language(theme, "name"))

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

    # The project's page in the language of the request that asked for the file.
    page = element(
        activity,
        "document-link",
        {"url": absolute_url(project.get_absolute_url()), "format": "text/html"},
    )
    narratives(element(page, "title"), title)
    element(page, "category", {"code": WEB_PAGE_CATEGORY})
    element(page, "language", {"code": current_language()})
    # Its documents kept by the apps above the catalogue (the library), in the order of the
    # schema: title, description, category, languages, date.
    for link in document_links(project):
        document = element(
            activity,
            "document-link",
            {"url": absolute_url(link.url), "format": link.format},
        )
        narratives(element(document, "title"), link.titles)
        descriptions = {code: text for code, text in link.descriptions.items() if text.strip()}
        if descriptions:
            narratives(element(document, "description"), descriptions)
        element(document, "category", {"code": link.category})
        for language in link.languages:
            element(document, "language", {"code": language})
        if link.date:
            element(document, "document-date", {"iso-date": link.date})
    return activity


class Collected:
    """What ``etree.xmlfile`` writes to: the bytes written since they were last taken."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def activities_chunks(projects: Iterable[Project], absolute_url) -> Iterator[bytes]:
    """An IATI 2.03 activities file of ``projects`` (at least one, from ``for_listing()``),
    in blocks of about ``downloads.BLOCK_SIZE`` bytes, the first one (the file's opening) at once;
    ``absolute_url(path)`` makes the links absolute."""
    context = FileContext(absolute_url)
    output = Collected()
    with etree.xmlfile(output, encoding="UTF-8") as xml:
        xml.write_declaration()
        attributes = {
            "version": IATI_VERSION,
            "generated-datetime": timezone.now().replace(microsecond=0).isoformat(),
        }
        with xml.element("iati-activities", attributes, nsmap={"icmd": ICMD_NAMESPACE}):
            xml.write("\n")
            xml.flush()
            yield output.take()
            for project in projects:
                xml.write(activity_element(project, context), pretty_print=True)
                xml.flush()
                if output.size >= downloads.BLOCK_SIZE:
                    yield output.take()
    yield output.take() + b"\n"


def activities_document(projects: Iterable[Project], absolute_url) -> bytes:
    """The whole file of ``activities_chunks``, for a few projects."""
    return b"".join(activities_chunks(projects, absolute_url))
