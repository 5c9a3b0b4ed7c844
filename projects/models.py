from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Collate, Concat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from common.translation import (
    LANGUAGE_CODES,
    TranslatedModel,
    any_language,
    fallback_order,
    localized_fields,
    localized_value,
)

MAX_DURATION_MONTHS = 120
# The messages of the database's rules, shown to staff when a form breaks one.
ENDS_BEFORE_START = _("The end date cannot be before the start date.")
CURRENCY_CODE = _("The currency is a three-letter ISO 4217 code in capital letters, e.g. USD.")


def natural_order(field: str, descending: bool = False):
    """Order by ``field`` the way people read ("Équateur" beside "Egypte", not after "Z"),
    whatever the database's own collation (ICU's root collation, in every PostgreSQL build
    with ICU)."""
    expression = Collate(field, "und-x-icu")
    return expression.desc() if descending else expression.asc()


class Phase(TranslatedModel):
    """A funding phase of the initiative.

    The catalogue holds the projects of the current phase; for an earlier phase whose
    projects are not in the catalogue, the figures reported for it are kept.
    """

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    reported_projects = models.PositiveIntegerField(
        _("projects reported"),
        null=True,
        blank=True,
        help_text=_("For a phase whose projects are not in the catalogue."),
    )
    reported_countries = models.PositiveIntegerField(_("countries reported"), null=True, blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="phase_ends_after_start",
                violation_error_message=ENDS_BEFORE_START,
            ),
        ]

    def __str__(self):
        return self.name


class Theme(TranslatedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = [natural_order("name")]

    def __str__(self):
        return self.name


class SelectionCriterion(TranslatedModel):
    """One of the criteria by which initiatives were selected."""

    name = models.TextField(_("criterion"))
    slug = models.SlugField(_("slug"), unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("selection criterion")
        verbose_name_plural = _("selection criteria")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")
    DIASPORA = "diaspora", _("Migrant or diaspora association")
    NGO = "ngo", _("NGO")
    DEVELOPMENT_AGENCY = "development_agency", _("Regional development agency")
    FOUNDATION = "foundation", _("Foundation")
    INTERNATIONAL = "international", _("International organisation")
    PRIVATE_SECTOR = "private_sector", _("Private sector")


class OrganisationQuerySet(models.QuerySet):
    def listed(self):
        """Organisations shown publicly: verified ones and the catalogue's partners. One
        proposed by a newcomer stays out until staff verify it."""
        partner = Partnership.objects.filter(organisation=OuterRef("pk"))
        return self.filter(Q(verified=True) | Exists(partner))

    def with_project_counts(self):
        return self.annotate(
            project_count=Count("partnerships", filter=Q(partnerships__project__published=True))
        )


class Organisation(TranslatedModel):
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    verified = models.BooleanField(
        _("verified"), default=False, help_text=_("Checked by the JMDI team.")
    )
    iati_ref = models.CharField(
        _("IATI organisation identifier"),
        max_length=100,
        blank=True,
        help_text=_("e.g. “XM-DAC-41114”; used to match organisations when importing IATI files."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = [natural_order("name")]
        constraints = [
            models.UniqueConstraint(
                fields=["iati_ref"],
                condition=~Q(iati_ref=""),
                name="organisation_iati_ref_unique",
                violation_error_message=_("Another organisation has this IATI identifier."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # The page itself is composed with the network's members (see icmd/urls.py).
        return reverse("organisation", kwargs={"slug": self.slug})


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("project status", "Planned")
    ONGOING = "ongoing", pgettext_lazy("project status", "Ongoing")
    COMPLETED = "completed", pgettext_lazy("project status", "Completed")


# What the catalogue's text search reads of a project, besides its partners' names.
SEARCHED_FIELDS = ("title", "objective", "locality")


class ProjectQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def for_listing(self):
        """What a list of projects shows: phase, partners and themes, in fixed queries."""
        return self.select_related("phase").prefetch_related(
            models.Prefetch(
                "partnerships",
                queryset=Partnership.objects.select_related("organisation"),
            ),
            "themes",
        )

    def search(self, text: str):
        """Projects whose title, objective, locality or partners' names hold every word, in
        any of the languages they are written in."""
        words = text.split()
        if not words:
            return self
        # The project's texts in every language, a line apart (no word holds a line break,
        # so none matches across two texts): the accents of a row are taken off once per
        # word, not once per text and language.
        texts = [F(name) for field in SEARCHED_FIELDS for name in localized_fields(field)]
        separated = [part for text_field in texts for part in (text_field, Value("\n"))][:-1]
        found = self.alias(searched_texts=Concat(*separated, output_field=models.TextField()))
        for word in words:
            partner_named = Partnership.objects.filter(
                any_language("organisation__name", "unaccent__icontains", word),
                project=OuterRef("pk"),
            )
            in_texts = Q(searched_texts__unaccent__icontains=word)
            found = found.filter(in_texts | Exists(partner_named))
        return found

    def for_cards(self):
        """What a project card shows (``partials/project_card.html``): ``for_listing``
        without the descriptions, the longest texts, which no card shows."""
        return self.for_listing().defer("description", *localized_fields("description"))

    def by_country_and_currency(self) -> list[tuple[str, str, int, object]]:
        """(country, currency, projects, funding) of each country and currency: one grouped
        query, whose rows are bounded by the world's countries (and the few currencies),
        whatever the number of projects. ``totals_of`` sums them up."""
        return list(
            self.order_by()
            .values_list("country", "funding_currency")
            .annotate(projects=Count("id"), amount=Sum("funding_amount"))
            .order_by("country", "funding_currency")
        )

    def totals(self) -> dict:
        """Number of projects, of countries, and funding as [(currency, amount)]."""
        figures = self.aggregate(projects=Count("id"), countries=Count("country", distinct=True))
        figures["funding"] = list(
            self.order_by()
            .values("funding_currency")
            .annotate(amount=Sum("funding_amount"))
            .order_by("funding_currency")
            .values_list("funding_currency", "amount")
        )
        return figures


def totals_of(groups) -> dict:
    """``ProjectQuerySet.totals()`` of the rows of ``by_country_and_currency()``, and
    ``by_country``: {country: projects}."""
    by_country, funding = {}, {}
    for country, currency, projects, amount in groups:
        by_country[country] = by_country.get(country, 0) + projects
        funding[currency] = funding.get(currency, 0) + amount
    return {
        "projects": sum(by_country.values()),
        "countries": len(by_country),
        "funding": sorted(funding.items()),
        "by_country": by_country,
    }


def title_order(language: str):
    """The title as the list sorts it in ``language`` (``natural_localized_order``): the
    expression of the indexes that serve that sort."""
    return Collate(localized_value("title", language=language), "und-x-icu")


class Project(TranslatedModel):
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    country = CountryField(_("country"), db_index=True)
    locality = models.CharField(
        _("locality"),
        max_length=200,
        blank=True,
        help_text=_("Municipality, province or region, e.g. “Canton d’Upala”."),
    )
    objective = models.TextField(_("main objective"))
    description = models.TextField(_("description"), blank=True)
    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, related_name="projects", verbose_name=_("phase")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ONGOING
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MONTHS)],
    )
    funding_amount = models.DecimalField(
        _("JMDI funding"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    funding_currency = models.CharField(
        _("currency"),
        max_length=3,
        default="USD",
        help_text=_("ISO 4217 code, e.g. USD."),
        validators=[RegexValidator(r"^[A-Z]{3}\Z", CURRENCY_CODE)],
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    themes = models.ManyToManyField(
        Theme, related_name="projects", blank=True, verbose_name=_("themes")
    )
    criteria_met = models.ManyToManyField(
        SelectionCriterion,
        related_name="projects",
        blank=True,
        verbose_name=_("selection criteria met"),
    )
    organisations = models.ManyToManyField(
        Organisation, through="Partnership", related_name="projects"
    )
    iati_identifier = models.CharField(
        _("IATI activity identifier"),
        max_length=150,
        blank=True,
        help_text=_(
            "Leave empty to use “XM-DAC-41114-ICMD-” followed by the slug. Activities imported "
            "from an IATI file keep the identifier they had there."
        ),
    )
    published = models.BooleanField(_("published"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[themes, criteria_met])
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["country", natural_order("title")]
        # The list's default order, country by country (projects.filters.CountryNameOrder),
        # in each language: a page reads its rows from the index, however deep it is.
        indexes = [
            models.Index(
                "country",
                title_order(code),
                "id",
                condition=Q(published=True),
                name=f"project_country_title_{code}",
            )
            for code in LANGUAGE_CODES
        ] + [
            # The catalogue's totals per country and currency (by_country_and_currency), read
            # from the index alone.
            models.Index(
                fields=["country", "funding_currency"],
                include=["funding_amount"],
                condition=Q(published=True),
                name="project_published_totals",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(funding_amount__gte=0),
                name="project_funding_not_negative",
                violation_error_message=_("The JMDI funding cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(duration_months__gte=1) & Q(duration_months__lte=MAX_DURATION_MONTHS),
                name="project_duration_1_to_120_months",
                violation_error_message=_("The duration is between 1 and 120 months."),
            ),
            models.CheckConstraint(
                condition=Q(funding_currency__regex=r"^[A-Z]{3}$"),
                name="project_currency_iso_4217",
                violation_error_message=CURRENCY_CODE,
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_ends_after_start",
                violation_error_message=ENDS_BEFORE_START,
            ),
            models.UniqueConstraint(
                fields=["iati_identifier"],
                condition=~Q(iati_identifier=""),
                name="project_iati_identifier_unique",
                violation_error_message=_("Another project has this IATI identifier."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:detail", kwargs={"slug": self.slug})


class PartnershipRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    PARTNER = "partner", _("Partner")


class Partnership(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="partnerships", verbose_name=_("project")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partnerships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("role"), max_length=16, choices=PartnershipRole.choices, default=PartnershipRole.PARTNER
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"],
                name="partnership_unique_organisation",
                violation_error_message=_(
                    "This organisation is already a partner of this project."
                ),
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(role="lead"),
                name="partnership_one_lead_per_project",
                violation_error_message=_("A project has at most one lead organisation."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"


class IATIImportStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("IATI import status", "Waiting for the worker")
    VALIDATING = "validating", pgettext_lazy("IATI import status", "Checking the file")
    IMPORTING = "importing", pgettext_lazy("IATI import status", "Importing")
    DONE = "done", pgettext_lazy("IATI import status", "Done")
    FAILED = "failed", pgettext_lazy("IATI import status", "Failed")


class IATIImportOutcome(models.TextChoices):
    CREATED = "created", pgettext_lazy("IATI import outcome", "created")
    UPDATED = "updated", pgettext_lazy("IATI import outcome", "updated")
    UNCHANGED = "unchanged", pgettext_lazy("IATI import outcome", "unchanged")
    SKIPPED = "skipped", pgettext_lazy("IATI import outcome", "skipped")


class IATIImport(models.Model):
    """An IATI activities file staff uploaded, imported by the worker (projects/iati/jobs.py):
    first checked whole, then applied in batches, each its own transaction; its progress and
    its report. The file is kept until the import ends."""

    RUNNING = (IATIImportStatus.QUEUED, IATIImportStatus.VALIDATING, IATIImportStatus.IMPORTING)

    file = models.FileField(_("file"), upload_to="iati-imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    dry_run = models.BooleanField(_("check only"), default=False)
    # The language its report is written in: the one of the person who uploaded it.
    language = models.CharField(max_length=8)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=IATIImportStatus.choices,
        default=IATIImportStatus.QUEUED,
    )
    checked = models.PositiveIntegerField(_("activities checked"), default=0)
    total = models.PositiveIntegerField(_("activities"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("activities imported"), default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    # Why it failed: a sentence, and the schema's complaints about the file.
    failure = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("IATI import")
        verbose_name_plural = _("IATI imports")
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.file_name

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING

    def count(self, outcome: str) -> int:
        return getattr(self, f"{outcome}_count")


class IATIImportActivity(models.Model):
    """What an import did with one activity of its file (written with the batch that
    applied it)."""

    iati_import = models.ForeignKey(IATIImport, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveIntegerField()  # in the file, from 1
    line = models.PositiveIntegerField(null=True, blank=True)
    identifier = models.TextField(blank=True)
    titles = models.JSONField(default=dict, blank=True)  # {language: title}
    outcome = models.CharField(max_length=16, choices=IATIImportOutcome.choices)
    reason = models.TextField(blank=True)
    notes = models.JSONField(default=list, blank=True)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["iati_import", "position"], name="iati_import_activity_position_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["iati_import", "outcome", "position"], name="iati_import_outcome_idx"
            )
        ]

    def __str__(self):
        return self.identifier

    @property
    def title(self) -> str:
        """The title in the reader's language, else the first there is."""
        for language in [*fallback_order(), *self.titles]:
            if self.titles.get(language):
                return self.titles[language]
        return ""
