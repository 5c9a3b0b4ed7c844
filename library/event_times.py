"""An event's times in words, in the event's own time zone and in the visitor's:

    Tuesday 3 March 2026, 14:00–16:00 Dakar time (UTC+0) — 15:00–17:00 for you (Brussels, UTC+1)

Times are stored in UTC; the page shows them in the event's zone (its name and UTC offset),
then in the zone the visitor chose ("Show times in", kept in a cookie: pages need no
JavaScript), or in UTC when they chose none. The visitor chooses among ``ZONES``: the zones
of the countries of the catalogue and of the network's partners, and UTC, grouped by
region; the event's own zone may be any (``Event.time_zone`` is validated in the model).

Dates and month names come from Django's date formatting in the page's language.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django_countries import countries

# The cookie holding the zone a visitor chose, and the parameter of the "Show times in"
# form. The page cache keeps one page per value of the cookie (settings.PAGE_CACHE_COOKIES).
COOKIE = "event_time_zone"
PARAMETER = "tz"
COOKIE_AGE = 365 * 24 * 3600
UTC = "UTC"

REGIONS = {
    "africa": gettext_lazy("Africa"),
    "americas": gettext_lazy("Americas"),
    "asia": gettext_lazy("Asia"),
    "europe": gettext_lazy("Europe"),
}

# (IANA zone, country, city named in the sentence, region)
ZONES = [
    ("Africa/Algiers", "DZ", pgettext_lazy("city", "Algiers"), "africa"),
    ("Africa/Cairo", "EG", pgettext_lazy("city", "Cairo"), "africa"),
    ("Africa/Addis_Ababa", "ET", pgettext_lazy("city", "Addis Ababa"), "africa"),
    ("Africa/Accra", "GH", pgettext_lazy("city", "Accra"), "africa"),
    ("Africa/Abidjan", "CI", pgettext_lazy("city", "Abidjan"), "africa"),
    ("Africa/Bamako", "ML", pgettext_lazy("city", "Bamako"), "africa"),
    ("Africa/Casablanca", "MA", pgettext_lazy("city", "Rabat"), "africa"),
    ("Africa/Lagos", "NG", pgettext_lazy("city", "Lagos"), "africa"),
    ("Africa/Dakar", "SN", pgettext_lazy("city", "Dakar"), "africa"),
    ("Africa/Tunis", "TN", pgettext_lazy("city", "Tunis"), "africa"),
    ("Africa/Nairobi", "KE", pgettext_lazy("city", "Nairobi"), "africa"),
    ("Africa/Johannesburg", "ZA", pgettext_lazy("city", "Johannesburg"), "africa"),
    ("Atlantic/Cape_Verde", "CV", pgettext_lazy("city", "Praia"), "africa"),
    ("America/Costa_Rica", "CR", pgettext_lazy("city", "San José"), "americas"),
    ("America/Guayaquil", "EC", pgettext_lazy("city", "Quito"), "americas"),
    ("America/El_Salvador", "SV", pgettext_lazy("city", "San Salvador"), "americas"),
    ("America/Guatemala", "GT", pgettext_lazy("city", "Guatemala City"), "americas"),
    ("America/Tegucigalpa", "HN", pgettext_lazy("city", "Tegucigalpa"), "americas"),
    ("America/Mexico_City", "MX", pgettext_lazy("city", "Mexico City"), "americas"),
    ("America/Jamaica", "JM", pgettext_lazy("city", "Kingston"), "americas"),
    ("America/Port-au-Prince", "HT", pgettext_lazy("city", "Port-au-Prince"), "americas"),
    ("America/Santo_Domingo", "DO", pgettext_lazy("city", "Santo Domingo"), "americas"),
    ("America/Bogota", "CO", pgettext_lazy("city", "Bogotá"), "americas"),
    ("America/Lima", "PE", pgettext_lazy("city", "Lima"), "americas"),
    ("America/La_Paz", "BO", pgettext_lazy("city", "La Paz"), "americas"),
    ("America/Sao_Paulo", "BR", pgettext_lazy("city", "São Paulo"), "americas"),
    ("America/New_York", "US", pgettext_lazy("city", "New York"), "americas"),
    ("Asia/Tbilisi", "GE", pgettext_lazy("city", "Tbilisi"), "asia"),
    ("Asia/Kolkata", "IN", pgettext_lazy("city", "New Delhi"), "asia"),
    ("Asia/Colombo", "LK", pgettext_lazy("city", "Colombo"), "asia"),
    ("Asia/Kathmandu", "NP", pgettext_lazy("city", "Kathmandu"), "asia"),
    ("Asia/Dhaka", "BD", pgettext_lazy("city", "Dhaka"), "asia"),
    ("Asia/Bangkok", "TH", pgettext_lazy("city", "Bangkok"), "asia"),
    ("Asia/Manila", "PH", pgettext_lazy("city", "Manila"), "asia"),
    ("Europe/Lisbon", "PT", pgettext_lazy("city", "Lisbon"), "europe"),
    ("Europe/London", "GB", pgettext_lazy("city", "London"), "europe"),
    ("Europe/Madrid", "ES", pgettext_lazy("city", "Madrid"), "europe"),
    ("Europe/Paris", "FR", pgettext_lazy("city", "Paris"), "europe"),
    ("Europe/Brussels", "BE", pgettext_lazy("city", "Brussels"), "europe"),
    ("Europe/Rome", "IT", pgettext_lazy("city", "Rome"), "europe"),
    ("Europe/Berlin", "DE", pgettext_lazy("city", "Berlin"), "europe"),
    ("Europe/Zurich", "CH", pgettext_lazy("city", "Geneva"), "europe"),
    ("Europe/Chisinau", "MD", pgettext_lazy("city", "Chișinău"), "europe"),
]
CITIES = {zone: city for zone, _country, city, _region in ZONES}
OFFERED = frozenset([UTC, *CITIES])


def zone_choices() -> list:
    """The "Show times in" select's options, grouped by region, each region's zones sorted
    by country name in the page's language: "Senegal (Dakar)"."""
    names = dict(countries)
    groups = []
    for region, label in REGIONS.items():
        zones = [
            (zone, f"{names.get(country, country)} ({city})")
            for zone, country, city, zone_region in ZONES
            if zone_region == region
        ]
        zones.sort(key=lambda option: option[1].casefold())
        groups.append((str(label), zones))
    return [(UTC, _("UTC (universal time)")), *groups]


def city_of(zone: str) -> str:
    """The place a zone is named after, as people say it: "Dakar", "Buenos Aires"."""
    if zone in CITIES:
        return str(CITIES[zone])
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def offset_label(moment: datetime.datetime) -> str:
    """ "UTC+1", "UTC-6", "UTC+5:45", "UTC+0" for an aware ``moment``."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{minutes:02d}" if minutes else f"UTC{sign}{hours}"


def visitor_zone(request) -> str:
    """The zone the visitor chose (the form's parameter first, then the cookie) if it is
    one offered, else UTC."""
    for value in (request.GET.get(PARAMETER), request.COOKIES.get(COOKIE)):
        if value in OFFERED:
            return value
    return UTC


def _date(moment) -> str:
    # Translators: a date as Django's "date" filter writes it: "Tuesday 3 March 2026".
    # Spanish: "l j \d\e F \d\e Y".
    return format_date(moment, pgettext("event date", "l j F Y"))


def _time(moment) -> str:
    return format_date(moment, "H:i")


def span(start: datetime.datetime, end: datetime.datetime, *, with_date=True) -> str:
    """ "Tuesday 3 March 2026, 14:00–16:00", or across days "Tuesday 3 March 2026, 14:00 –
    Wednesday 4 March 2026, 16:00" (``start`` and ``end`` in the zone to show)."""
    if start.date() == end.date():
        times = f"{_time(start)}–{_time(end)}"
        return f"{_date(start)}, {times}" if with_date else times
    return f"{_date(start)}, {_time(start)} – {_date(end)}, {_time(end)}"


def offsets(start, end) -> str:
    first, last = offset_label(start), offset_label(end)
    return first if first == last else f"{first} → {last}"


@dataclass(frozen=True)
class EventTimes:
    """What a page says of an event's times (``in_event_zone`` — ``for_visitor``)."""

    in_event_zone: str
    for_visitor: str  # empty when the visitor's zone is the event's
    start: datetime.datetime  # aware, for <time datetime>
    end: datetime.datetime

    def __str__(self):
        if not self.for_visitor:
            return self.in_event_zone
        return f"{self.in_event_zone} — {self.for_visitor}"


def event_times(event, zone: str = UTC) -> EventTimes:
    """``event``'s times in words, in the page's language: in its own zone, then in
    ``zone`` (the visitor's; UTC by default)."""
    own = event.zone
    start, end = event.starts_at.astimezone(own), event.ends_at.astimezone(own)
    if event.time_zone == UTC:
        in_event_zone = f"{span(start, end)} UTC"
    else:
        in_event_zone = _("%(when)s %(zone)s time (%(offset)s)") % {
            "when": span(start, end),
            "zone": city_of(event.time_zone),
            "offset": offsets(start, end),
        }
    for_visitor = ""
    if zone != event.time_zone:
        theirs = zoneinfo.ZoneInfo(zone)
        local_start, local_end = event.starts_at.astimezone(theirs), end.astimezone(theirs)
        # The date again only when it is not the event's own date.
        same_days = local_start.date() == start.date() and local_end.date() == end.date()
        when = span(local_start, local_end, with_date=not same_days)
        if zone == UTC:
            for_visitor = f"{when} UTC"
        else:
            for_visitor = _("%(when)s for you (%(zone)s, %(offset)s)") % {
                "when": when,
                "zone": city_of(zone),
                "offset": offsets(local_start, local_end),
            }
    return EventTimes(in_event_zone, for_visitor, start, end)
