"""The events in the admin: staff write events (every language side by side, the times on a
clock in the event's own time zone), and decide the events proposed by organisations'
representatives in their queue ("Events to review"), through ``library.event_services``
(which tells the proposer by email), never by editing rows."""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import TranslatedAdmin
from common.translation import localized_fields
from library import event_services
from library.models import DOCUMENT_LANGUAGES, Event, EventProposal, ReviewStatus
from library.proposal_forms import (
    DEFAULT_TIME_ZONE,
    LocalDateTimeField,
    LongSelect,
    local_in_zone,
    moments_in_zone,
    time_zone_choices,
)
from library.review_admin import ReviewQueueAdmin, ReviewStatusFilter


def _label(name: str) -> str:
    return capfirst(Event._meta.get_field(name).verbose_name)


def _in_zone(moment, zone: str) -> str:
    """ "15 March 2027 14:00 (Africa/Dakar)": a moment on a clock of ``zone``."""
    if moment is None:
        return "—"
    return f"{formats.date_format(local_in_zone(moment, zone), 'DATETIME_FORMAT')} ({zone})"


def _place(event) -> str:
    if event.online:
        return str(_("Online"))
    return ", ".join(part for part in (event.city, str(event.country.name)) if part)


# --- Events written by staff -------------------------------------------------------------------


class EventAdminForm(forms.ModelForm):
    """An event as staff write it: start and end read on a clock in the event's zone."""

    time_zone = forms.ChoiceField(
        label=_label("time_zone"), choices=time_zone_choices, widget=LongSelect
    )
    starts_local = LocalDateTimeField(
        label=_label("starts_at"), help_text=_("On a clock in the event's time zone.")
    )
    ends_local = LocalDateTimeField(
        label=_label("ends_at"), help_text=_("On a clock in the event's time zone.")
    )
    languages = forms.MultipleChoiceField(
        label=_label("languages"),
        choices=DOCUMENT_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Event
        # The times are the two fields above, read in the event's zone.
        fields = [
            "title",
            "slug",
            "kind",
            "description",
            "organiser",
            "time_zone",
            "online",
            "online_url",
            "link_for_members_only",
            "city",
            "country",
            "languages",
            "themes",
            "projects",
            "resources",
            "status",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance
        zone = event.time_zone or DEFAULT_TIME_ZONE
        if event.pk is not None:
            self.initial.setdefault("starts_local", local_in_zone(event.starts_at, zone))
            self.initial.setdefault("ends_local", local_in_zone(event.ends_at, zone))
        # A zone saved outside the list (an old alias, still valid) stays choosable.
        choices = time_zone_choices()
        if zone not in dict(choices):
            choices.append((zone, zone))
        self.fields["time_zone"].choices = choices

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in event_services.RESERVED_EVENT_SLUGS:
            raise forms.ValidationError(
                _("“%(slug)s” is the address of a page of the calendar: choose another."),
                params={"slug": slug},
                code="reserved",
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        moments = moments_in_zone(self, ("starts_local", "ends_local"), "time_zone")
        starts, ends = moments.get("starts_local"), moments.get("ends_local")
        if starts and ends and ends <= starts:
            self.add_error("ends_local", _("The event must end after it starts."))
        elif starts and ends:
            self.instance.starts_at, self.instance.ends_at = starts, ends
        return cleaned


@admin.register(Event)
class EventAdmin(TranslatedAdmin):
    form = EventAdminForm
    list_display = ["title", "kind", "starts", "place", "organiser_name", "status"]
    list_filter = ["status", "kind", "online"]
    list_select_related = ["organiser"]
    search_fields = [
        f"{column}__unaccent"
        for field in ["title", "organiser__name"]
        for column in localized_fields(field)
    ]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-id"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["organiser", "projects", "resources"]
    filter_horizontal = ["themes"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "description", "organiser"]}),
        (_("When"), {"fields": ["time_zone", "starts_local", "ends_local"]}),
        (
            _("Where"),
            {"fields": ["online", "online_url", "link_for_members_only", "city", "country"]},
        ),
        (_("Related"), {"fields": ["languages", "themes", "projects", "resources"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "proposed_by",
                    "reviewed_by",
                    "reviewed_at",
                    "published_at",
                    "refusal_reason",
                    "reminders_queued_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "proposed_by",
        "reviewed_by",
        "reviewed_at",
        "published_at",
        "refusal_reason",
        "reminders_queued_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.proposed_by_id and obj.status == ReviewStatus.PENDING:
            # A proposal is published or refused in its queue, which tells the proposer.
            fields.append("status")
        return fields

    def get_changeform_initial_data(self, request):
        """An event staff write is published when saved, unless they choose otherwise."""
        return {
            "status": ReviewStatus.PUBLISHED,
            "time_zone": DEFAULT_TIME_ZONE,
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request, obj, form, change):
        if obj.status == ReviewStatus.PUBLISHED and obj.published_at is None:
            obj.published_at = obj.reviewed_at = timezone.now()
            obj.reviewed_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("starts"), ordering="starts_at")
    def starts(self, event):
        return _in_zone(event.starts_at, event.time_zone)

    @admin.display(description=_("place"))
    def place(self, event):
        return _place(event)

    @admin.display(description=_("organising organisation"), ordering="organiser__name")
    def organiser_name(self, event):
        return event.organiser.name if event.organiser_id else _("The JMDI team")


# --- The queue of proposed events ---------------------------------------------------------------


class RefuseEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=event_services.REFUSAL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Sent by email to the person who proposed it; be clear and polite."),
    )


@admin.register(EventProposal)
class EventProposalAdmin(ReviewQueueAdmin, admin.ModelAdmin):
    """Events proposed by organisations' representatives; staff publish or refuse them with
    a reason through the services (which tell the proposer by email). To correct a
    proposal before publishing it, staff edit it among the events."""

    list_display = [
        "title",
        "organiser",
        "proposed_by",
        "proposer_email",
        "starts",
        "place",
        "created",
        "status",
    ]
    list_filter = [ReviewStatusFilter, "kind", "online"]
    list_select_related = ["organiser", "proposed_by"]
    search_fields = [
        *(f"{column}__unaccent" for column in localized_fields("title")),
        *(f"{column}__unaccent" for column in localized_fields("organiser__name")),
        "proposed_by__email",
        "proposed_by__name",
    ]
    ordering = ["created", "id"]
    fieldsets = [
        (
            _("Who proposes"),
            {"fields": ["proposed_by", "proposer_email", "organisation", "created"]},
        ),
        (
            _("The event"),
            {
                "fields": [
                    "proposed_title",
                    "proposed_description",
                    "kind",
                    "starts",
                    "ends",
                    "starts_utc",
                    "place",
                    "join_link",
                    "spoken_languages",
                    "theme_names",
                ]
            },
        ),
        (
            _("Decision"),
            {"fields": ["status", "refusal_reason", "reviewed_by", "reviewed_at"]},
        ),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]
    change_form_template = "admin/library/eventproposal/change_form.html"
    actions = ["publish_events", "refuse_events"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(proposed_by__isnull=False)

    def has_add_permission(self, request):
        return False  # proposals come from the representatives' form

    def has_delete_permission(self, request, obj=None):
        return False  # a decision is made, and told, through the actions

    refuse_form = RefuseEventForm
    decision_error = event_services.EventError
    gone_message = _("This proposal no longer exists.")
    left_message = _("The proposal was left as it was: %(reason)s")

    def publish(self, request, event):
        event_services.publish_event(event=event, by=request.user)

    def refuse(self, request, event, reason: str):
        event_services.refuse_event(event=event, by=request.user, reason=reason)

    none_waiting_message = _("None of these proposals is waiting.")
    refuse_template = "admin/library/eventproposal/refuse_events.html"
    rows_name = "events"

    def left_count_message(self, count: int, reason: str) -> str:
        return ngettext(
            "%(count)d proposal left as it was: %(reason)s",
            "%(count)d proposals left as they were: %(reason)s",
            count,
        ) % {"count": count, "reason": reason}

    def published_message(self, count: int) -> str:
        return ngettext(
            "%(count)d event published; the person who proposed it is told by email.",
            "%(count)d events published; each person who proposed one is told by email.",
            count,
        ) % {"count": count}

    def refused_message(self, count: int) -> str:
        return ngettext(
            "%(count)d event refused; the person who proposed it is told by email.",
            "%(count)d events refused; each person who proposed one is told by email.",
            count,
        ) % {"count": count}

    def decision_context(self, request, event) -> dict:
        """A link to correct the proposal before publishing it."""
        if not request.user.has_perm("library.change_event"):
            return {}
        return {
            "edit_url": reverse(
                "admin:library_event_change", args=[event.pk], current_app=self.admin_site.name
            )
        }

    # --- What the pages show ----------------------------------------------------------------

    @admin.display(description=_("email address"), ordering="proposed_by__email")
    def proposer_email(self, event):
        return event.proposed_by.email if event.proposed_by_id else "—"

    @admin.display(description=_("organising organisation"))
    def organisation(self, event):
        if not event.organiser_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', event.organiser.get_absolute_url(), event.organiser.name
        )

    @admin.display(description=_("title"))
    def proposed_title(self, event):
        return event.title

    @admin.display(description=_("description"))
    def proposed_description(self, event):
        return linebreaksbr(event.description, autoescape=True) or "—"

    @admin.display(description=_("starts"), ordering="starts_at")
    def starts(self, event):
        return _in_zone(event.starts_at, event.time_zone)

    @admin.display(description=_("ends"))
    def ends(self, event):
        return _in_zone(event.ends_at, event.time_zone)

    @admin.display(description=_("starts (UTC)"))
    def starts_utc(self, event):
        return _in_zone(event.starts_at, "UTC")

    @admin.display(description=_("place"))
    def place(self, event):
        return _place(event)

    @admin.display(description=_("link to join"))
    def join_link(self, event):
        if not event.online_url:
            return "—"
        shown_to = _("members only") if event.link_for_members_only else _("everyone")
        return format_html(
            '<a href="{}" rel="noopener noreferrer nofollow">{}</a> ({})',
            event.online_url,
            event.online_url,
            shown_to,
        )

    @admin.display(description=_("languages"))
    def spoken_languages(self, event):
        names = dict(DOCUMENT_LANGUAGES)
        return ", ".join(str(names.get(code, code)) for code in event.languages) or "—"

    @admin.display(description=_("themes"))
    def theme_names(self, event):
        return ", ".join(theme.name for theme in event.themes.all()) or "—"

    # --- Deciding several at once -----------------------------------------------------------

    def _selected(self, request, queryset):
        """The proposals ticked, whatever their status now: one decided meanwhile is given
        to the services, whose refusal says why."""
        if request.POST.get("select_across") == "1":
            return queryset.select_related("organiser", "proposed_by")
        ticked = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        return (
            self.get_queryset(request)
            .select_related("organiser", "proposed_by")
            .filter(pk__in=[pk for pk in ticked if pk.isdigit()])
        )

    @admin.action(description=_("Publish the selected events"), permissions=["change"])
    def publish_events(self, request, queryset):
        self.publish_selected(request, self._selected(request, queryset))

    @admin.action(description=_("Refuse with a reason…"), permissions=["change"])
    def refuse_events(self, request, queryset):
        return self.refuse_selected(request, self._selected(request, queryset))
