"""Reading an IATI 2.03 activities file into the catalogue: projects and their organisations
created or updated, each activity's outcome reported (the mapping is in the package's
documentation, ``projects/iati/__init__.py``)."""

import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries
from django_countries.fields import Country

from common.signals import rows_changed
from common.translation import (
    LANGUAGE_CODES,
    any_language,
    fallback_order,
    language_name,
    localized_field,
)
from projects.iati.codes import (
    CANCELLED,
    CODE_TO_STATUS,
    CURRENCY,
    DEFAULT_KIND,
    DEFAULT_LANGUAGE,
    DESCRIPTION_GENERAL,
    DESCRIPTION_OBJECTIVES,
    IDENTIFIER_PREFIX,
    ROLE_IMPLEMENTING,
    SLUG,
    THEME_VOCABULARY,
    THEME_VOCABULARY_PATH,
    TYPE_TO_KIND,
    XML_LANG,
    icmd,
)
from projects.iati.schema import ActivitiesFile
from projects.models import (
    MAX_DURATION_MONTHS,
    IATIImportOutcome,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    Theme,
)

MAX_AMOUNT = Decimal("999999999999.99")  # 14 digits, 2 after the point
# A project's translated fields, as read from an activity.
PROJECT_TEXTS = ("title", "objective", "description", "locality")

# ``{language: text}``: a field's text in each of the site's languages that the file has.
Texts = dict[str, str]


# --- outcomes ------------------------------------------------------------------------------


class Outcome:
    CREATED = IATIImportOutcome.CREATED.value
    UPDATED = IATIImportOutcome.UPDATED.value
    UNCHANGED = IATIImportOutcome.UNCHANGED.value
    SKIPPED = IATIImportOutcome.SKIPPED.value
    LABELS = dict(IATIImportOutcome.choices)


@dataclass
class ActivityOutcome:
    identifier: str
    titles: Texts  # {language: title}; {"": title} for a title in none of the site's
    outcome: str
    position: int = 0  # in the file, from 1
    line: int | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    project: Project | None = None

    @property
    def title(self) -> str:
        return shown_text(self.titles) or next(iter(self.titles.values()), "")

    @property
    def label(self) -> str:
        return str(Outcome.LABELS[self.outcome])


@dataclass
class ImportReport:
    """What an import did: the count of each outcome and, unless only counted, each
    activity's outcome."""

    dry_run: bool = False
    outcomes: list[ActivityOutcome] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    keep_outcomes: bool = True

    def add(self, outcomes: list[ActivityOutcome]) -> None:
        self.counts.update(item.outcome for item in outcomes)
        if self.keep_outcomes:
            self.outcomes.extend(outcomes)

    def count(self, outcome: str) -> int:
        return self.counts[outcome]

    @property
    def summary(self) -> str:
        # "label: count" reads right in every language, whatever the count.
        counts = ", ".join(
            f"{label}: {self.count(outcome)}" for outcome, label in Outcome.LABELS.items()
        )
        total = self.counts.total()
        text = ngettext(
            "%(count)d activity (%(counts)s).",
            "%(count)d activities (%(counts)s).",
            total,
        ) % {"count": total, "counts": counts}
        if self.dry_run:
            text += " " + _("Nothing was saved (check only).")
        return text


class SkipActivity(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- what an activity says -----------------------------------------------------------------


@dataclass
class PartnerData:
    names: Texts
    ref: str
    role: str
    kind: str | None  # from icmd:kind, else from the IATI type, else None
    kind_is_explicit: bool
    country: str | None
    slug: str

    @property
    def label(self) -> str:
        return shown_text(self.names) or self.ref


@dataclass
class ActivityData:
    identifier: str
    slug: str
    title: Texts
    objective: Texts
    description: Texts
    country: str
    locality: Texts
    status: str
    start_date: date | None
    end_date: date | None
    duration_months: int
    funding_amount: Decimal
    funding_currency: str
    phase: Phase
    themes: list[tuple[str, Texts]]
    partners: list[PartnerData]
    language: str  # of the activity: its narratives without xml:lang are in it
    notes: list[str]


def site_language(code: str | None) -> str | None:
    """``"en"`` for ``"en"``, ``"EN"`` or ``"en-GB"``; None for a language the site has not."""
    language = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return language if language in LANGUAGE_CODES else None


class Narratives:
    """Reads the ``<narrative>`` elements of an activity, each in its ``xml:lang`` or else in
    the activity's language, and remembers the languages it had to leave out."""

    def __init__(self, default_language: str):
        self.default_language = default_language
        self.ignored: set[str] = set()

    def texts(self, node) -> Texts:
        """``{language: text}`` of an element's narratives in the site's languages: the
        first one that is not empty in each."""
        found: Texts = {}
        if node is None:
            return found
        for item in node.iterchildren("narrative"):
            text = (item.text or "").strip()
            if not text:
                continue
            code = item.get(XML_LANG) or self.default_language
            language = site_language(code)
            if language is None:
                self.ignored.add(code.strip().lower())
            else:
                found.setdefault(language, text)
        return found

    def note(self) -> str | None:
        if not self.ignored:
            return None
        return _(
            "Texts in languages other than French, English and Spanish were left out: "
            "%(languages)s."
        ) % {"languages": ", ".join(sorted(self.ignored))}


def shown_text(texts: Texts) -> str:
    """The text to show someone reading in the active language: theirs, else the first
    one there is (French, English, Spanish)."""
    for language in fallback_order():
        if texts.get(language):
            return texts[language]
    return ""


def iso_date(value: str | None) -> date | None:
    """The date of an ``xsd:date`` (a time zone suffix is ignored); None if unusable."""
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (exclusive), to the nearest month."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + round((end.day - start.day) / 30)


def day_after(day: date) -> date:
    return day if day == date.max else day + timedelta(days=1)


def shortened(texts: Texts, length: int, note: str, notes: list[str]) -> Texts:
    """``texts`` each cut to ``length`` characters, with ``note`` added to ``notes`` if one
    was."""
    if all(len(text) <= length for text in texts.values()):
        return texts
    notes.append(note % {"length": length})
    return {
        language: text if len(text) <= length else text[: length - 1] + "…"
        for language, text in texts.items()
    }


def language_columns(field_name: str, texts: Texts) -> dict[str, str | None]:
    """The columns of a translated field (``title_fr``, ``title_en``, ``title_es``) that
    ``texts`` sets: those of the languages it has, the others being kept as they are; or,
    when the file has no such text in any language, every one of them, emptied."""
    if not texts:
        return {localized_field(field_name, language): None for language in LANGUAGE_CODES}
    return {localized_field(field_name, language): text for language, text in texts.items()}


def language_names(codes) -> str:
    return ", ".join(language_name(code) for code in codes)


def kept_translations(project: Project, data: ActivityData) -> list[str]:
    """Notes on the texts whose translation the import kept while the file changed the text
    in another language: the translation may no longer say the same."""
    notes = []
    for field_name in PROJECT_TEXTS:
        texts = getattr(data, field_name)
        changed = [
            language
            for language, text in texts.items()
            if (getattr(project, localized_field(field_name, language)) or "") != text
        ]
        kept = [
            language
            for language in LANGUAGE_CODES
            if language not in texts and getattr(project, localized_field(field_name, language))
        ]
        if changed and kept:
            notes.append(
                _(
                    "%(field)s changed in %(changed)s; the text in %(kept)s was kept as it "
                    "was: check that it still says the same."
                )
                % {
                    "field": capfirst(Project._meta.get_field(field_name).verbose_name),
                    "changed": language_names(changed),
                    "kept": language_names(kept),
                }
            )
    return notes


def stored(value):
    """A value as it compares with what the file says: a missing text is an empty one, a
    phase or a country its key."""
    if value is None:
        return ""
    if isinstance(value, Phase):
        return value.pk
    if isinstance(value, Country):
        return value.code
    return value


# --- reading and saving --------------------------------------------------------------------


class ActivityImporter:
    """Reads ``<iati-activity>`` elements into projects (see the package's documentation)."""

    def __init__(self, file_language: str | None = None, user=None):
        self.file_language = file_language
        self.user = user  # whose change the history records (the worker has no request)
        self.phases = list(Phase.objects.order_by("start_date"))
        self.phases_by_slug = {phase.slug: phase for phase in self.phases}

    def narratives(self, activity) -> Narratives:
        """Narratives without ``xml:lang`` are in the activity's language, else the file's,
        else French."""
        return Narratives(activity.get(XML_LANG) or self.file_language or DEFAULT_LANGUAGE)

    # reading -----------------------------------------------------------------------------

    def parse(self, activity) -> ActivityData:
        notes: list[str] = []
        narratives = self.narratives(activity)
        identifier = (activity.findtext("iati-identifier") or "").strip()
        if not identifier:
            raise SkipActivity(_("It has no iati-identifier."))
        if len(identifier) > Project._meta.get_field("iati_identifier").max_length:
            raise SkipActivity(_("Its iati-identifier is too long."))
        title = narratives.texts(activity.find("title"))
        if not title:
            if narratives.ignored:
                raise SkipActivity(
                    _("It has no title in French, English or Spanish, only in: %(languages)s.")
                    % {"languages": ", ".join(sorted(narratives.ignored))}
                )
            raise SkipActivity(_("It has no title."))
        descriptions: dict[str, Texts] = {}
        for node in activity.iterchildren("description"):
            texts = narratives.texts(node)
            if texts:
                descriptions.setdefault(node.get("type") or DESCRIPTION_GENERAL, texts)
        # The objectives (type 2), else the general description (type 1), else any other.
        objective = (
            descriptions.get(DESCRIPTION_OBJECTIVES)
            or descriptions.get(DESCRIPTION_GENERAL)
            or next(iter(descriptions.values()), {})
        )
        if not objective:
            raise SkipActivity(_("It has no description to take the objective from."))
        description = (
            descriptions.get(DESCRIPTION_GENERAL, {})
            if descriptions.get(DESCRIPTION_OBJECTIVES)
            else {}
        )

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
        data = ActivityData(
            identifier=identifier,
            slug=activity.get(icmd("slug"), ""),
            title=shortened(
                title, 300, _("The title was shortened to %(length)d characters."), notes
            ),
            objective=objective,
            description=description,
            country=country,
            locality=shortened(
                narratives.texts(activity.find("location/name")),
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
            themes=self.themes(activity, narratives),
            partners=self.partners(activity, narratives, notes),
            language=site_language(narratives.default_language) or DEFAULT_LANGUAGE,
            notes=notes,
        )
        if note := narratives.note():
            notes.append(note)
        return data

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

    def themes(self, activity, narratives: Narratives) -> list[tuple[str, Texts]]:
        themes = []
        for tag in activity.iterchildren("tag"):
            uri_path = urlsplit(tag.get("vocabulary-uri") or "").path
            code = (tag.get("code") or "").strip()
            if (
                tag.get("vocabulary") == THEME_VOCABULARY
                and uri_path.endswith(THEME_VOCABULARY_PATH)
                and SLUG.fullmatch(code)
            ):
                themes.append((code, narratives.texts(tag)))
        return themes

    def partners(self, activity, narratives: Narratives, notes) -> list[PartnerData]:
        partners = []
        for node in activity.iterchildren("participating-org"):
            if node.get("role") != ROLE_IMPLEMENTING:
                continue
            names, ref = narratives.texts(node), (node.get("ref") or "").strip()
            if not (names or ref):
                notes.append(_("An implementing organisation without name or ref was left out."))
                continue
            kind = node.get(icmd("kind"))
            kind_is_explicit = kind in OrganisationKind.values
            if not kind_is_explicit:
                kind = TYPE_TO_KIND.get((node.get("type") or "").strip())
            country = (node.get(icmd("country")) or "").upper()
            partners.append(
                PartnerData(
                    names={language: name[:255] for language, name in names.items()},
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

    def apply(self, activity, position: int, seen: set[str]) -> ActivityOutcome:
        """Read and save one activity, on its own savepoint; its outcome. ``seen``: the
        identifiers of the activities before it in the file."""
        identifier = activity_identifier_of(activity)
        title = self.narratives(activity).texts(activity.find("title"))
        if not title and (raw := (activity.findtext("title/narrative") or "").strip()):
            title = {"": raw}
        result = ActivityOutcome(
            identifier=identifier,
            titles=title,
            outcome=Outcome.SKIPPED,
            position=position,
            line=activity.sourceline,
        )
        try:
            if identifier and identifier in seen:
                raise SkipActivity(_("The same iati-identifier appears earlier in the file."))
            seen.add(identifier)
            data = self.parse(activity)
            result.notes = list(data.notes)
            with transaction.atomic():
                result.outcome, result.project = self.save(data)
            result.notes = data.notes  # with the organisations created or updated
        except SkipActivity as skip:
            result.reason = skip.reason
        except ValidationError as error:
            result.reason = validation_reason(error)
        except DatabaseError as error:
            result.reason = _("The database refused it: %(error)s") % {"error": error}
        return result

    def find_project(self, identifier: str) -> Project | None:
        project = Project.objects.filter(iati_identifier=identifier).first()
        if project is None and identifier.startswith(IDENTIFIER_PREFIX):
            slug = identifier.removeprefix(IDENTIFIER_PREFIX)
            project = Project.objects.filter(iati_identifier="", slug=slug).first()
        return project

    def save(self, data: ActivityData) -> tuple[str, Project]:
        values = {
            **language_columns("title", data.title),
            **language_columns("objective", data.objective),
            **language_columns("description", data.description),
            **language_columns("locality", data.locality),
            "country": data.country,
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
            # Every language's column counts: a new translation is a change.
            changed = any(
                stored(getattr(project, name)) != stored(value) for name, value in values.items()
            )
            data.notes.extend(kept_translations(project, data))
            for name, value in values.items():
                setattr(project, name, value)
        if changed:
            full_clean(project)
            self.record_change(project)
            project.save()

        themes = [self.theme(slug, names) for slug, names in data.themes]
        if {theme.pk for theme in themes} != set(project.themes.values_list("pk", flat=True)):
            self.record_change(project)
            project.themes.set(themes)
            changed = True

        partners, seen = [], set()
        for partner in data.partners:
            organisation = self.organisation(partner, data, data.notes)
            if organisation.pk not in seen:
                seen.add(organisation.pk)
                partners.append((organisation.pk, partner.role))
        current = list(
            project.partnerships.order_by("order", "id").values_list("organisation_id", "role")
        )
        if current != partners:
            project.partnerships.all().delete()
            created = Partnership.objects.bulk_create(
                Partnership(project=project, organisation_id=pk, role=role, order=order)
                for order, (pk, role) in enumerate(partners)
            )
            # bulk_create sends no post_save: say which rows were written.
            rows_changed.send(sender=Partnership, ids=[partnership.pk for partnership in created])
            changed = True
        return (outcome if changed else Outcome.UNCHANGED), project

    def new_project_slug(self, data: ActivityData) -> str:
        wanted = data.slug
        if not wanted and data.identifier.startswith(IDENTIFIER_PREFIX):
            wanted = data.identifier.removeprefix(IDENTIFIER_PREFIX)
        if not (SLUG.fullmatch(wanted) and len(wanted) <= 120):
            wanted = ""
        return free_slug(Project, wanted or first_text(data.title), 120)

    def theme(self, slug: str, names: Texts) -> Theme:
        """The theme of a tag: by slug, else by name in any language; else a new one."""
        theme = Theme.objects.filter(slug=slug).first()
        if theme is not None:
            return theme
        names = {language: name[:100] for language, name in names.items()} or {
            DEFAULT_LANGUAGE: slug[:100]
        }
        theme = Theme.objects.filter(named(names)).order_by("pk").first()
        if theme is None:
            theme = Theme(slug=slug[:50], **language_columns("name", names))
            theme.save()
        return theme

    def record_change(self, row) -> None:
        """The history of ``row`` says the import changed it, and on whose behalf."""
        row._change_reason = _("Imported from an IATI file")
        if self.user is not None:
            row._history_user = self.user

    def organisation(self, partner: PartnerData, data: ActivityData, notes) -> Organisation:
        """The organisation a participating-org names, among the listed ones (verified, or
        already a partner): by ref, else by name in any language; else a new one, verified
        (staff imported it). A pending proposal (a member's, not yet decided by staff) is
        never adopted: it keeps its name, description and website, unlisted, and the report
        says that it exists."""
        listed = Organisation.objects.listed()
        organisation = None
        if partner.ref:
            organisation = listed.filter(iati_ref=partner.ref).first()
        matched_by_ref = organisation is not None
        if organisation is None and partner.names:
            organisation = listed.filter(named(partner.names)).order_by("pk").first()
        if organisation is None:
            names = partner.names or {data.language: partner.ref[:255]}
            organisation = Organisation(
                slug=free_slug(Organisation, partner.slug or first_text(names), 255),
                kind=partner.kind or DEFAULT_KIND,
                country=partner.country or data.country,
                iati_ref=partner.ref if ref_is_free(partner.ref) else "",
                verified=True,
                **language_columns("name", names),
            )
            full_clean(organisation)
            self.record_change(organisation)
            organisation.save()
            notes.append(_("New organisation: %(name)s.") % {"name": partner.label})
            if pending_proposals(partner).exists():
                notes.append(
                    _(
                        "An organisation that is not listed (a pending proposal, or one "
                        "without projects) is also named “%(name)s”: it was left as it is; "
                        "decide it in the admin."
                    )
                    % {"name": partner.label}
                )
            return organisation
        changes = {}
        if partner.ref and not organisation.iati_ref and ref_is_free(partner.ref):
            changes["iati_ref"] = partner.ref
        if matched_by_ref:  # renamed, as its publisher names it now, in the languages given
            for language, name in partner.names.items():
                column = localized_field("name", language)
                if name != getattr(organisation, column):
                    changes[column] = name
        if partner.kind_is_explicit and partner.kind != organisation.kind:
            changes["kind"] = partner.kind
        if partner.country and partner.country != organisation.country.code:
            changes["country"] = partner.country
        if changes:
            for name, value in changes.items():
                setattr(organisation, name, value)
            full_clean(organisation)
            self.record_change(organisation)
            organisation.save()
            notes.append(_("Organisation updated: %(name)s.") % {"name": partner.label})
        return organisation


def pending_proposals(partner: PartnerData):
    """Organisations not listed (proposed by members, not yet decided by staff) that have
    the ref the file gives or one of its names, in any language, accents and capitals
    aside (as a proposal's name is compared with the listed ones')."""
    condition = Q(iati_ref=partner.ref) if partner.ref else Q(pk__in=[])
    for name in set(partner.names.values()):
        condition |= any_language("name", "unaccent__iexact", name)
    return Organisation.objects.filter(condition).exclude(
        pk__in=Organisation.objects.listed().values("pk")
    )


def ref_is_free(ref: str) -> bool:
    """A ref no organisation has yet (one a pending proposal holds stays with it)."""
    return bool(ref) and not Organisation.objects.filter(iati_ref=ref).exists()


def full_clean(row) -> None:
    """Check each field of ``row`` (lengths, choices, validators). Its uniqueness and the
    table's rules are left to the database, which holds them anyway: the importer's values
    keep them (a free slug, a project found by its identifier, amounts, durations and dates
    within bounds), and a row that would break one is skipped on its savepoint with the
    reason. Checked here too, they cost a query each and a third of an import's time."""
    row.full_clean(validate_unique=False, validate_constraints=False)


def first_text(texts: Texts) -> str:
    """The text in the first language that has one (French, English, Spanish)."""
    return next((texts[code] for code in LANGUAGE_CODES if texts.get(code)), "")


def named(names: Texts) -> Q:
    """Rows whose name, in any language, is one of ``names`` (ignoring case)."""
    condition = Q()
    for name in set(names.values()):
        condition |= any_language("name", "iexact", name)
    return condition


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


# --- a whole file ------------------------------------------------------------------------

# A batch, one transaction, ends after this many activities or once it has lasted this many
# seconds: short, so that a staff member saving a project the batch changed waits that long
# at most (an activity takes some 20 to 100 ms), and the page's progress moves.
BATCH_SIZE = 100
BATCH_SECONDS = 2.0


class FileImport:
    """The import of one IATI activities file, in two phases.

    ``check()`` reads the whole file against the schema, writing nothing: an invalid file
    changes nothing. ``apply()`` then reads it again, one activity at a time, and saves the
    activities in batches (``BATCH_SIZE`` activities, ``BATCH_SECONDS`` at most), each
    batch its own transaction (each activity on its own savepoint within it: one the
    catalogue cannot hold is skipped with the reason). Projects are matched by
    ``iati-identifier``, so that applying the same file again (after a worker died mid-way,
    say) changes nothing already done. With ``dry_run``, each batch's changes are rolled
    back: the outcomes say what the import would do (an organisation that activities of two
    batches share is new in both).
    """

    def __init__(self, source, *, dry_run: bool = False, user=None):
        self.file = ActivitiesFile(source)
        self.dry_run = dry_run
        self.user = user

    def check(self, on_activity: Callable[[int], None] | None = None) -> int:
        """The number of activities; ``InvalidIATIFile`` when the file is not valid."""
        return self.file.check(on_activity)

    def apply(
        self,
        on_batch: Callable[[list[ActivityOutcome]], None],
        *,
        start: int = 0,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> int:
        """Save the activities after the first ``start`` (already applied), a batch at a
        time; ``on_batch(outcomes)`` is called within each batch's transaction, after its
        changes (to record the progress with them). Between two batches, ``keep_going()``
        may say to stop there. Returns the number of activities applied, ``start``
        included."""
        activities = enumerate(self.file.activities(), start=1)
        importer, seen, done = None, set(), 0
        for _position, activity in islice(activities, start):
            seen.add(activity_identifier_of(activity))  # for the duplicates that follow
            done += 1
        while True:
            with transaction.atomic():
                outcomes, ends = [], time.monotonic() + BATCH_SECONDS
                with transaction.atomic():
                    for position, activity in activities:
                        if importer is None:
                            importer = ActivityImporter(self.file.language, user=self.user)
                        outcomes.append(importer.apply(activity, position, seen))
                        if len(outcomes) >= BATCH_SIZE or time.monotonic() >= ends:
                            break
                    if self.dry_run:
                        transaction.set_rollback(True)
                if not outcomes:
                    return done
                done += len(outcomes)
                on_batch(outcomes)
            if not keep_going():
                return done


def activity_identifier_of(activity) -> str:
    return (activity.findtext("iati-identifier") or "").strip()


def import_activities(source, *, dry_run: bool = False, user=None) -> ImportReport:
    """Create or update projects (and their organisations) from an IATI activities file:
    its content (bytes), a path or a binary file object; each activity's outcome reported.

    A file that is not valid XML or not valid against the schema raises ``InvalidIATIFile``
    before anything is written (see ``FileImport``). With ``dry_run``, the report says what
    would happen and nothing is kept."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    file_import = FileImport(source, dry_run=dry_run, user=user)
    file_import.check()
    report = ImportReport(dry_run=dry_run)
    file_import.apply(report.add)
    return report
