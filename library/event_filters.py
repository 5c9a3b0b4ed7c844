"""The one FilterSet of the events calendar: its upcoming and past lists and the API take
the same parameters (``?kind=webinar&country=SN&theme=<slug>&language=fr&online=true``).

The lists' period (upcoming: not over yet, soonest first; past: over, latest first) is the
page's, given as ``period``; the API, which has one list, takes it as the ``when``
parameter instead."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.filters import ActiveFiltersMixin
from library.models import DOCUMENT_LANGUAGES, Event, EventKind
from projects.filters import CountryFilter
from projects.models import Theme

PERIODS = ("upcoming", "past")
PERIOD_CHOICES = [("upcoming", _("Upcoming")), ("past", _("Past"))]
ONLINE_CHOICES = [("true", _("Online")), ("false", _("In person"))]


def event_countries():
    """(code, name) of the countries where published events take place, sorted by name in
    the page's language (one query; a few dozen at most)."""
    codes = set(
        Event.objects.published()
        .exclude(country="")
        .order_by()
        .values_list("country", flat=True)
        .distinct()
    )
    return [(country.code, country.name) for country in countries if country.code in codes]


def in_period(queryset, period: str, now=None):
    """``queryset`` restricted to ``period`` ("upcoming" or "past"), in its order."""
    now = now or timezone.now()
    return queryset.upcoming(now) if period == "upcoming" else queryset.past(now)


class EventFilter(ActiveFiltersMixin, django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind of event"), choices=EventKind.choices, empty_label=_("All kinds")
    )
    country = CountryFilter(
        label=_("Country"), choices=event_countries, empty_label=_("All countries")
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label=_("All themes"),
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"),
        choices=DOCUMENT_LANGUAGES,
        empty_label=_("All languages"),
        method="filter_language",
    )
    online = django_filters.ChoiceFilter(
        label=_("Online or in person"),
        choices=ONLINE_CHOICES,
        empty_label=_("Online or in person"),
        method="filter_online",
    )
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=PERIOD_CHOICES,
        empty_label=_("Upcoming and past"),
        method="filter_when",
    )

    class Meta:
        model = Event
        fields = []

    def __init__(self, data=None, *args, period: str | None = None, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()
        super().__init__(data, *args, **kwargs)
        self.period = period
        if period is not None:
            # A list page is one period already: its form does not offer the other.
            if period not in PERIODS:
                raise ValueError(f"EventFilter: unknown period {period!r}")
            del self.filters["when"]

    def filter_language(self, queryset, name, value):
        return queryset.filter(languages__contains=[value])

    def filter_online(self, queryset, name, value):
        return queryset.filter(online=value == "true")

    def filter_when(self, queryset, name, value):
        return in_period(queryset, value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.period is not None:
            queryset = in_period(queryset, self.period)
        elif not queryset.query.order_by:
            queryset = queryset.order_by("starts_at", "pk")
        return queryset
