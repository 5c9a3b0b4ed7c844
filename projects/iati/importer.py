"""Reading an IATI 2.03 activities file into the catalogue: projects and their organisations
created or updated, each activity's outcome reported (the mapping is in the package's
documentation, ``projects/iati/__init__.py``)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
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
from projects.iati.schema import read_activities
from projects.models import (
    MAX_DURATION_MONTHS,
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

    def __init__(self, file_language: str | None = None):
        self.file_language = file_language
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
            project.full_clean()
            project._change_reason = _("Imported from an IATI file")
            project.save()

        themes = [self.theme(slug, names) for slug, names in data.themes]
        if {theme.pk for theme in themes} != set(project.themes.values_list("pk", flat=True)):
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

    def organisation(self, partner: PartnerData, data: ActivityData, notes) -> Organisation:
        """The organisation a participating-org names: by ref, else by name in any language;
        else a new one."""
        organisation = None
        if partner.ref:
            organisation = Organisation.objects.filter(iati_ref=partner.ref).first()
        matched_by_ref = organisation is not None
        if organisation is None and partner.names:
            organisation = Organisation.objects.filter(named(partner.names)).order_by("pk").first()
        if organisation is None:
            names = partner.names or {data.language: partner.ref[:255]}
            organisation = Organisation(
                slug=free_slug(Organisation, partner.slug or first_text(names), 255),
                kind=partner.kind or DEFAULT_KIND,
                country=partner.country or data.country,
                iati_ref=partner.ref,
                **language_columns("name", names),
            )
            organisation.full_clean()
            organisation.save()
            notes.append(_("New organisation: %(name)s.") % {"name": partner.label})
            return organisation
        changes = {}
        if partner.ref and not organisation.iati_ref:
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
            organisation.full_clean()
            organisation._change_reason = _("Imported from an IATI file")
            organisation.save()
            notes.append(_("Organisation updated: %(name)s.") % {"name": partner.label})
        return organisation


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
        importer = ActivityImporter(file_language=root.get(XML_LANG))
        seen = set()
        for activity in root.iterchildren("iati-activity"):
            identifier = (activity.findtext("iati-identifier") or "").strip()
            result = ActivityOutcome(
                identifier=identifier,
                title=shown_text(importer.narratives(activity).texts(activity.find("title")))
                or (activity.findtext("title/narrative") or "").strip(),
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
