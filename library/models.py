"""The network's knowledge library (resources: documents and links) and its events.

A resource or an event is either written by staff in the admin (published at once, or
later) or shared by a member (a resource) or proposed by an organisation's representative
(an event): it then waits in the staff's review queue (``ResourceSubmission``,
``EventProposal``) until staff publish it or refuse it with a reason, and its author is
told by email. Only published rows are shown to the public, listed in the API and indexed
by the site search. Every rule about them is decided in ``library/services.py``.
"""

import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from common.translation import TranslatedModel
from library.text_search import FILE_TEXT_INDEX, file_text_vectors
from projects.models import Organisation, Project, Theme

# The languages a document itself may be written in (not only the site's three).
DOCUMENT_LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
    ("pt", _("Portuguese")),
]
DOCUMENT_LANGUAGE_CODES = tuple(code for code, _name in DOCUMENT_LANGUAGES)


def valid_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone (e.g. Africa/Dakar, America/El_Salvador)."),
            params={"value": value},
            code="invalid_time_zone",
        )


class ReviewStatus(models.TextChoices):
    """Where a shared resource or a proposed event stands in the staff's review."""

    PENDING = "pending", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    REFUSED = "refused", _("Refused")


class ResourceKind(models.TextChoices):
    REPORT = "report", _("Report")
    TOOLKIT = "toolkit", _("Toolkit or guide")
    CASE_STUDY = "case_study", _("Case study")
    POLICY_BRIEF = "policy_brief", _("Policy brief")
    GOOD_PRACTICE = "good_practice", _("Good practice")
    TRAINING = "training", _("Training material")
    VIDEO = "video", _("Video")
    OTHER = "other", pgettext_lazy("resource kind", "Other")


class Licence(models.TextChoices):
    CC_BY = "cc-by", _("Creative Commons Attribution (CC BY 4.0)")
    CC_BY_SA = "cc-by-sa", _("Creative Commons Attribution-ShareAlike (CC BY-SA 4.0)")
    CC_BY_NC = "cc-by-nc", _("Creative Commons Attribution-NonCommercial (CC BY-NC 4.0)")
    CC_BY_NC_SA = (
        "cc-by-nc-sa",
        _("Creative Commons Attribution-NonCommercial-ShareAlike (CC BY-NC-SA 4.0)"),
    )
    CC0 = "cc0", _("Public domain (CC0)")
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("All rights reserved")
    UNKNOWN = "unknown", _("Licence not stated")


class Reviewed(models.Model):
    """What a row waiting for the staff's review keeps: who sent it, where it stands, who
    decided and why it was refused."""

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.PENDING,
        db_index=True,
    )
    refusal_reason = models.TextField(
        _("reason for refusal"), blank=True, help_text=_("Sent to the member who submitted it.")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == ReviewStatus.PUBLISHED


class ResourceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ReviewStatus.PUBLISHED)

    def pending(self):
        return self.filter(status=ReviewStatus.PENDING)

    def for_listing(self):
        """What a list of resources shows: publisher, themes and files, in fixed queries."""
        return self.select_related("publisher").prefetch_related(
            "themes", models.Prefetch("files", queryset=ResourceFile.objects.order_by("language"))
        )

    def about_country(self, code: str):
        return self.filter(countries__contains=[code])


class Resource(TranslatedModel, Reviewed):
    """A document or a link of the library: uploaded files (one per language the document
    is written in) or an external address."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    languages = ArrayField(
        models.CharField(max_length=8, choices=DOCUMENT_LANGUAGES),
        verbose_name=_("languages of the document"),
        default=list,
        blank=True,
    )
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    publisher = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("publishing organisation"),
    )
    publisher_name = models.CharField(
        _("publisher (if not in the catalogue)"), max_length=255, blank=True
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    countries = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("countries"),
        default=list,
        blank=True,
        help_text=_("ISO 3166 codes of the countries the resource is about."),
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="resources", verbose_name=_("themes")
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="resources", verbose_name=_("related projects")
    )
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence.choices, default=Licence.UNKNOWN
    )
    url = models.URLField(_("external address"), max_length=1000, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shared_resources",
        verbose_name=_("shared by"),
    )
    # When the daily digest to the followers of its themes and countries was written.
    announced_at = models.DateTimeField(_("announced to followers"), null=True, blank=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status="published"),
                name="resource_published_order",
            ),
            GinIndex(fields=["countries"], name="resource_countries"),
            GinIndex(fields=["languages"], name="resource_languages"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="resource_year_plausible",
                violation_error_message=_("The year must be between 1900 and 2100."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("library:resource", kwargs={"slug": self.slug})

    @property
    def publisher_label(self) -> str:
        return str(self.publisher) if self.publisher_id else self.publisher_name


class ResourceSubmission(Resource):
    """The staff's review queue: resources shared by members."""

    class Meta:
        proxy = True
        verbose_name = _("resource to review")
        verbose_name_plural = _("resources to review")


class ExtractionStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Text extracted")
    FAILED = "failed", _("Failed")
    NOT_APPLICABLE = "not_applicable", _("No text to extract")


def resource_file_path(instance, filename: str) -> str:
    # The stored name never comes from the uploader: a random name, the checked extension.
    return f"library/{timezone.now():%Y/%m}/{instance.storage_name}"


class ResourceFile(models.Model):
    """One uploaded file of a resource, in one language. Served only through the download
    view (as an attachment), never from a public folder."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="files", verbose_name=_("resource")
    )
    language = models.CharField(_("language"), max_length=8, choices=DOCUMENT_LANGUAGES)
    file = models.FileField(_("file"), upload_to=resource_file_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    # Decided from the file's content (library/uploads.py), not from its name.
    content_type = models.CharField(_("type of file"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    extracted_text = models.TextField(_("text of the file"), blank=True, editable=False)
    extraction = models.CharField(
        _("text extraction"),
        max_length=16,
        choices=ExtractionStatus.choices,
        default=ExtractionStatus.WAITING,
    )
    extraction_error = models.TextField(_("extraction error"), blank=True, editable=False)
    uploaded = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["language"]
        # The words of the text, for the library's search (library/text_search.py).
        indexes = [GinIndex(*file_text_vectors(), name=FILE_TEXT_INDEX)]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "language"],
                name="resource_one_file_per_language",
                violation_error_message=_("This resource already has a file in this language."),
            ),
        ]

    def __str__(self):
        return self.original_name

    storage_name = ""  # set by library/uploads.py before saving


class LibraryFollow(models.Model):
    """A member following a theme or a country of the library: a daily digest tells them of
    what was published on it."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="library_follows",
        verbose_name=_("member"),
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("theme"),
    )
    country = CountryField(_("country"), blank=True)
    created = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("library subscription")
        verbose_name_plural = _("library subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(theme__isnull=False) & Q(country=""))
                | (Q(theme__isnull=True) & ~Q(country="")),
                name="library_follow_theme_or_country",
            ),
            models.UniqueConstraint(
                fields=["member", "theme"],
                condition=Q(theme__isnull=False),
                name="library_follow_theme_once",
            ),
            models.UniqueConstraint(
                fields=["member", "country"],
                condition=~Q(country=""),
                name="library_follow_country_once",
            ),
        ]

    def __str__(self):
        return f"{self.member} — {self.theme or self.country.name}"


class EventKind(models.TextChoices):
    WEBINAR = "webinar", _("Webinar")
    WORKSHOP = "workshop", _("Workshop")
    CONFERENCE = "conference", _("Conference")
    EDISCUSSION = "ediscussion", _("E-discussion launch")
    TRAINING = "training", _("Training")


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ReviewStatus.PUBLISHED)

    def pending(self):
        return self.filter(status=ReviewStatus.PENDING)

    def upcoming(self, now=None):
        """Events not over yet, soonest first."""
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "id")

    def past(self, now=None):
        """Events over, the latest first."""
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-id")

    def for_listing(self):
        return self.select_related("organiser").prefetch_related("themes")


class Event(TranslatedModel, Reviewed):
    """A webinar, workshop, conference, e-discussion launch or training: online or at a
    place. Times are stored in UTC and shown in the event's own time zone and the
    visitor's."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        validators=[valid_time_zone],
        help_text=_("Where the event takes place or its organiser is, e.g. Africa/Dakar."),
    )
    online = models.BooleanField(_("online"), default=False)
    online_url = models.URLField(_("link to join"), max_length=1000, blank=True)
    link_for_members_only = models.BooleanField(_("show the link to members only"), default=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True)
    languages = ArrayField(
        models.CharField(max_length=8, choices=DOCUMENT_LANGUAGES),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    organiser = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("organising organisation"),
        help_text=_("Empty when the JMDI team organises it."),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_events",
        verbose_name=_("proposed by"),
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="events", verbose_name=_("themes")
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="events", verbose_name=_("related projects")
    )
    resources = models.ManyToManyField(
        Resource, blank=True, related_name="events", verbose_name=_("related resources")
    )
    # When the reminders to its attendees were written to the outbox (once).
    reminders_queued_at = models.DateTimeField(_("reminders sent"), null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(
                fields=["ends_at", "starts_at"],
                condition=Q(status="published"),
                name="event_published_times",
            ),
            GinIndex(fields=["languages"], name="event_languages"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("An event cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(online=True) | ~Q(country=""),
                name="event_online_or_at_a_place",
                violation_error_message=_("An event is online or takes place in a country."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event", kwargs={"slug": self.slug})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class EventProposal(Event):
    """The staff's review queue: events proposed by organisations' representatives."""

    class Meta:
        proxy = True
        verbose_name = _("event to review")
        verbose_name_plural = _("events to review")


class Attendance(models.Model):
    """A member's "I will attend"."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("event")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("member"),
    )
    created = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="attendance_once"),
        ]

    def __str__(self):
        return f"{self.member} — {self.event}"
