"""What people type to propose an event, and what staff type to write one in the admin:
dates and times as read on a clock in a time zone they choose.

A time typed in a zone becomes a moment (``aware_in_zone``); a time that does not exist
there (the hour skipped when the clocks go forward) or that happens twice (the hour
repeated when they go back) is refused with a clear message rather than guessed.
"""

import datetime
import zoneinfo
from functools import cache
from importlib import resources

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin
from common.translation import WrittenInField, country_choices, natural_localized_order
from library.models import DOCUMENT_LANGUAGES, Event, EventKind
from projects.models import Organisation, Theme

DEFAULT_TIME_ZONE = "Europe/Brussels"


def _label(name: str) -> str:
    return capfirst(Event._meta.get_field(name).verbose_name)


# --- Time zones ------------------------------------------------------------------------------


def _zone_table() -> str:
    """The IANA table of zones per country (``zone.tab``): from the ``tzdata`` package, else
    from the system's zone files; "" when neither has it."""
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    for folder in zoneinfo.TZPATH:
        try:
            with open(f"{folder}/zone.tab", encoding="utf-8") as table:
                return table.read()
        except OSError:
            continue
    return ""


@cache
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """{ISO country code: its zones, the most populated first}, for the zones this
    Python knows."""
    known = zoneinfo.available_timezones()
    zones: dict[str, list[str]] = {}
    for line in _zone_table().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2] in known:
            zones.setdefault(parts[0], []).append(parts[2])
    return {country: tuple(names) for country, names in zones.items()}


@cache
def _zone_names() -> tuple[str, ...]:
    names = {zone for zones in zones_by_country().values() for zone in zones}
    if not names:  # no table: every zone this Python knows, but the old aliases
        names = {
            zone
            for zone in zoneinfo.available_timezones()
            if "/" in zone and zone.split("/")[0][0].isupper() and not zone.startswith("Etc/")
        }
    return ("UTC", *sorted(names))


def time_zone_choices() -> list[tuple[str, str]]:
    """Every place's time zone ("Africa/Dakar", "America/El Salvador"), and UTC: give the
    function itself as a field's ``choices``."""
    return [(zone, zone.replace("_", " ")) for zone in _zone_names()]


def country_time_zone(country_code: str) -> str:
    """The main time zone of a country ("SN" → "Africa/Dakar"), else the default one."""
    zones = zones_by_country().get((country_code or "").upper())
    return zones[0] if zones else DEFAULT_TIME_ZONE


def _clock(value: datetime.datetime) -> str:
    return formats.date_format(value, "DATETIME_FORMAT")


def aware_in_zone(local: datetime.datetime, zone_name: str) -> datetime.datetime:
    """The moment a clock in ``zone_name`` shows ``local`` (a naive date and time).
    ``ValidationError`` for a time the clocks skip or show twice there."""
    zone = zoneinfo.ZoneInfo(zone_name)
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        shown = first.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None)
        params = {"time": _clock(local), "zone": zone_name}
        if shown != local:
            raise ValidationError(
                _(
                    "%(time)s does not exist in %(zone)s: the clocks go forward at that hour "
                    "that night. Choose another time."
                ),
                code="nonexistent_time",
                params=params,
            )
        raise ValidationError(
            _(
                "%(time)s happens twice in %(zone)s: the clocks go back at that hour that "
                "night. Choose another time."
            ),
            code="ambiguous_time",
            params=params,
        )
    return first


def local_in_zone(moment: datetime.datetime, zone_name: str) -> datetime.datetime:
    """The date and time a clock in ``zone_name`` shows at ``moment`` (naive)."""
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name)).replace(tzinfo=None)


class LongSelect(forms.Select):
    """A select of a few hundred plain options (time zones, countries), written at once: Django
    renders each option through a template, which costs a fifth of a second here."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(item) for item in self.format_value(value)}
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)  # noqa: S308
                for key, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>\n{}\n</select>", flatatt(final), options)


class DateTimeInput(forms.DateTimeInput):
    """The browser's own date and time picker; a plain text field without it."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as read on a clock, in no zone yet (naive): the form says in which
    (``aware_in_zone``). Takes "2027-03-15T18:00" (the browser's picker) and
    "2027-03-15 18:00" (typed)."""

    widget = DateTimeInput

    def to_python(self, value):
        # Read as UTC only to read it: the zone is dropped, the form gives the real one.
        with timezone.override(datetime.UTC):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result is not None else None

    def prepare_value(self, value):
        return value


def moments_in_zone(form: forms.Form, fields: tuple[str, ...], zone_field: str) -> dict:
    """{field: aware moment} of the naive times of ``fields`` in the form's chosen zone;
    a time that does not exist there, or exists twice, is an error on its field."""
    zone = form.cleaned_data.get(zone_field)
    moments = {}
    if not zone:
        return moments
    for name in fields:
        local = form.cleaned_data.get(name)
        if local is None:
            continue
        try:
            moments[name] = aware_in_zone(local, zone)
        except ValidationError as error:
            form.add_error(name, error)
    return moments


# --- The proposal of an event ----------------------------------------------------------------


class EventProposalForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    """An event of one of the organisations the member represents, written in one
    language, its times in a zone they choose. The rules (which organisation, times in the
    future, an end after the start…) are the service's (``event_services.propose_event``):
    this form reads what was typed."""

    ONLINE, PLACE = "online", "place"

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    language = WrittenInField()
    title = forms.CharField(label=_label("title"), max_length=300)
    description = forms.CharField(
        label=_label("description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the event is about, for whom, and how to take part."),
    )
    kind = forms.ChoiceField(label=_label("kind"), choices=EventKind.choices)
    time_zone = forms.ChoiceField(
        label=_label("time_zone"),
        choices=time_zone_choices,
        widget=LongSelect,
        help_text=_("The start and the end are read on a clock in this zone."),
    )
    starts_at = LocalDateTimeField(
        label=_label("starts_at"), help_text=_("Date and time, e.g. 2027-03-15 14:00.")
    )
    ends_at = LocalDateTimeField(
        label=_label("ends_at"), help_text=_("Date and time, e.g. 2027-03-15 16:00.")
    )
    where = forms.ChoiceField(
        label=_("Where"),
        choices=[(ONLINE, _("Online")), (PLACE, _("At a place"))],
        widget=forms.RadioSelect,
        initial=ONLINE,
    )
    online_url = forms.URLField(
        label=_label("online_url"),
        max_length=1000,
        required=False,
        assume_scheme="https",
        help_text=_("For an online event."),
    )
    link_for_members_only = forms.BooleanField(
        label=_label("link_for_members_only"),
        required=False,
        initial=True,
        help_text=_("Visitors who are not logged in then see that there is a link, not the link."),
    )
    city = forms.CharField(
        label=_label("city"),
        max_length=120,
        required=False,
        help_text=_("For an event at a place."),
    )
    country = forms.ChoiceField(
        label=_label("country"), choices=country_choices, required=False, widget=LongSelect
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=DOCUMENT_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    themes = forms.ModelMultipleChoiceField(
        label=_label("themes"),
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, organisations, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["themes"].queryset = Theme.objects.order_by(natural_localized_order("name"))
        if organisation is not None:
            self.initial.setdefault("organisation", organisation.pk)
            self.initial.setdefault("time_zone", country_time_zone(organisation.country.code))
        self.initial.setdefault("time_zone", DEFAULT_TIME_ZONE)

    def clean(self):
        cleaned = super().clean()
        self.moments = moments_in_zone(self, ("starts_at", "ends_at"), "time_zone")
        return cleaned

    def proposal(self) -> dict:
        """What the member proposed, as ``event_services.propose_event`` takes it."""
        data = self.cleaned_data
        online = data["where"] == self.ONLINE
        return {
            "organisation": data["organisation"],
            "language": data["language"],
            "title": data["title"],
            "description": data["description"],
            "kind": data["kind"],
            "starts_at": self.moments["starts_at"],
            "ends_at": self.moments["ends_at"],
            "time_zone": data["time_zone"],
            "online": online,
            "online_url": data["online_url"] if online else "",
            "link_for_members_only": data["link_for_members_only"],
            "city": "" if online else data["city"],
            "country": "" if online else data["country"],
            "languages": data["languages"],
            "themes": list(data["themes"]),
        }
