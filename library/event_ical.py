"""Events as iCalendar (RFC 5545), with the ``icalendar`` library: one event's ``.ics``, and
the feed of every upcoming event that calendar applications subscribe to.

Each event's times are written in its own zone (``DTSTART;TZID=Africa/Dakar:…``), and the
calendar holds a ``VTIMEZONE`` for each zone used, made from the zoneinfo database for the
years around the events: a calendar application shows the right time on either side of a
daylight-saving change. ``UID`` is ``event-<pk>@<site host>``, the same in every language
and in both the ``.ics`` and the feed, so that an application updates the event instead of
adding it twice; ``DTSTAMP`` and ``LAST-MODIFIED`` are when the event was last changed (the
output changes only when the event does).

The link to join an online event is written only where the page would show it: always when
the organiser made it public, otherwise only in the ``.ics`` a logged-in member downloads
(never in the public feed).
"""

import datetime
import zoneinfo
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from common.translation import text_in_language

# The VTIMEZONEs cover the events' years and a year on either side.
ZONE_MARGIN = datetime.timedelta(days=366)
PRODID = "-//JMDI//Events calendar//EN"


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(event) -> str:
    return f"event-{event.pk}@{site_host()}"


def location_of(event, *, show_link: bool) -> str:
    """The place ("Dakar, Senegal"), and for an online event its link or a word saying
    where to find it."""
    place = ", ".join(part for part in (event.city, event.country.name) if part)
    if not event.online:
        return place
    if event.online_url and show_link:
        online = event.online_url
    elif event.online_url and event.link_for_members_only:
        online = _("Online (the link is on the event's page, for members)")
    else:
        online = _("Online")
    return f"{place} — {online}" if place else online


def link_shown(event, user) -> bool:
    """Whether ``user`` may see the link to join ``event``."""
    if not (event.online and event.online_url):
        return False
    return not event.link_for_members_only or bool(getattr(user, "is_authenticated", False))


def vevent(event, *, url: str, show_link: bool) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", event_uid(event))
    component.add("dtstamp", event.updated)
    component.add("created", event.created)
    component.add("last-modified", event.updated)
    component.add("summary", text_in_language(event, "title").text)
    for name, moment in (("dtstart", event.starts_at), ("dtend", event.ends_at)):
        _add_time(component, name, moment, event.time_zone)
    component.add("url", url)
    location = location_of(event, show_link=show_link)
    if location:
        component.add("location", location)
    description = text_in_language(event, "description").text.strip()
    component.add("description", f"{description}\n\n{url}" if description else url)
    component.add("categories", [event.get_kind_display()])
    component.add("status", "CONFIRMED")
    return component


def _add_time(component, name: str, moment: datetime.datetime, zone: str) -> None:
    """``moment`` as the local time of ``zone`` with its ``TZID`` (``icalendar`` would write
    a zone that is always at UTC+0, Africa/Dakar, as UTC: the event's zone is kept)."""
    if zone == "UTC":
        component.add(name, moment.astimezone(datetime.UTC))
        return
    local = moment.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    component.add(name, local, parameters={"TZID": zone})


def calendar_of(events, *, url_of, show_link=lambda event: False, name: str = "") -> bytes:
    """The iCalendar text of ``events``: ``url_of(event)`` gives each one's absolute
    address, ``show_link(event)`` whether its link to join is written."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    first = last = None
    for event in events:
        calendar.add_component(vevent(event, url=url_of(event), show_link=show_link(event)))
        first = min(first or event.starts_at, event.starts_at)
        last = max(last or event.ends_at, event.ends_at)
    if first is not None:
        calendar.add_missing_timezones(
            first_date=(first - ZONE_MARGIN).date(), last_date=(last + ZONE_MARGIN).date()
        )
    return calendar.to_ical()
