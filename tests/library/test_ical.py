"""The calendar as iCalendar (RFC 5545): each event's ``.ics`` and the feed of upcoming
events, parsed back with the ``icalendar`` library: times right on either side of a
daylight-saving change (through the file's own VTIMEZONE too), a UID stable across
languages, DTSTAMP, URL, LOCATION, and a link kept for members out of the public feed."""

import datetime
import re
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from library.models import EventKind, ReviewStatus
from tests.factories import EventFactory, verified_member
from tests.html import tr

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
FEED = "/fr/events/calendar.ics"
HOST = urlsplit(settings.SITE_URL).hostname


def parsed(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    # Every zone an event names is described in the file itself.
    assert calendar.get_missing_tzids() == set()
    return calendar


def events_of(calendar) -> dict[str, icalendar.Event]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def last_sunday_of_march_ahead() -> datetime.date:
    """The next last Sunday of March still to come: when Europe changes to summer time."""
    year = timezone.now().year + 1
    day = datetime.date(year, 3, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def in_its_own_zone(calendar, component, name="DTSTART") -> datetime.datetime:
    """The event's time read through the VTIMEZONE of the file (not the zoneinfo of the
    machine), in UTC."""
    value = component[name]
    [zone] = [tz for tz in calendar.timezones if tz.tz_name == value.params["TZID"]]
    return value.dt.replace(tzinfo=None).replace(tzinfo=zone.to_tz()).astimezone(UTC)


def test_times_are_right_on_both_sides_of_a_daylight_saving_change(client):
    sunday = last_sunday_of_march_ahead()
    saturday = sunday - datetime.timedelta(days=1)
    # 10:00–12:00 in Paris each day: UTC+1 on Saturday, UTC+2 from Sunday 03:00.
    before = EventFactory(
        title="Samedi à Paris",
        kind=EventKind.WORKSHOP,
        online=False,
        online_url="",
        city="Paris",
        country="FR",
        time_zone="Europe/Paris",
        starts_at=datetime.datetime.combine(saturday, datetime.time(9), UTC),
        ends_at=datetime.datetime.combine(saturday, datetime.time(11), UTC),
    )
    after = EventFactory(
        title="Dimanche à Paris",
        time_zone="Europe/Paris",
        starts_at=datetime.datetime.combine(sunday, datetime.time(8), UTC),
        ends_at=datetime.datetime.combine(sunday, datetime.time(10), UTC),
    )
    response = client.get(FEED)
    calendar = parsed(response)
    body = response.content.decode()
    assert f"DTSTART;TZID=Europe/Paris:{saturday:%Y%m%d}T100000" in body
    assert f"DTSTART;TZID=Europe/Paris:{sunday:%Y%m%d}T100000" in body
    assert f"DTEND;TZID=Europe/Paris:{sunday:%Y%m%d}T120000" in body

    found = events_of(calendar)
    for event in (before, after):
        component = found[event.title]
        assert component["DTSTART"].dt.astimezone(UTC) == event.starts_at
        assert component["DTEND"].dt.astimezone(UTC) == event.ends_at
        assert in_its_own_zone(calendar, component) == event.starts_at
        assert in_its_own_zone(calendar, component, "DTEND") == event.ends_at
    [paris] = calendar.timezones
    assert paris.tz_name == "Europe/Paris"
    assert {offset.to_ical() for offset in _offsets(paris)} >= {"+0100", "+0200"}


def _offsets(zone):
    return [part["TZOFFSETTO"] for part in zone.walk() if "TZOFFSETTO" in part]


def test_an_events_ics_names_it_once_for_all_and_says_where_and_when(client):
    event = EventFactory(
        title="Atelier de Kolda",
        title_en="Kolda workshop",
        description="Les communes et la diaspora.",
        kind=EventKind.WORKSHOP,
        online=False,
        online_url="",
        city="Kolda",
        country="SN",
        time_zone="Africa/Dakar",
    )
    response = client.get(f"/fr/events/{event.slug}/calendar.ics")
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    calendar = parsed(response)
    [component] = calendar.walk("VEVENT")
    assert str(component["UID"]) == f"event-{event.pk}@{HOST}"
    assert component["DTSTAMP"].dt == event.updated.replace(microsecond=0)
    assert str(component["SUMMARY"]) == "Atelier de Kolda"
    assert str(component["URL"]) == f"{settings.SITE_URL}/fr/events/{event.slug}/"
    assert str(component["LOCATION"]) == "Kolda, Sénégal"
    assert "Les communes et la diaspora." in str(component["DESCRIPTION"])
    assert component["DTSTART"].params["TZID"] == "Africa/Dakar"
    assert component["DTSTART"].dt.astimezone(UTC) == event.starts_at.replace(microsecond=0)

    # In English: the same UID, the English title and page.
    [english] = parsed(Client().get(f"/en/events/{event.slug}/calendar.ics")).walk("VEVENT")
    assert str(english["UID"]) == str(component["UID"])
    assert str(english["SUMMARY"]) == "Kolda workshop"
    assert str(english["URL"]).endswith(f"/en/events/{event.slug}/")
    assert str(english["LOCATION"]) == "Kolda, Senegal"


def test_the_feed_holds_the_upcoming_published_events_with_the_same_uids(client):
    soon = timezone.now() + datetime.timedelta(days=2)
    upcoming = EventFactory(title="À venir", starts_at=soon)
    EventFactory(title="Passé", starts_at=soon - datetime.timedelta(days=30))
    EventFactory(title="En attente", status=ReviewStatus.PENDING)
    response = client.get(FEED)
    assert response["Content-Disposition"].startswith("inline")
    calendar = parsed(response)
    assert set(events_of(calendar)) == {"À venir"}
    assert str(calendar["X-WR-CALNAME"])
    [component] = calendar.walk("VEVENT")
    ics = parsed(client.get(f"/fr/events/{upcoming.slug}/calendar.ics"))
    assert str(component["UID"]) == str(ics.walk("VEVENT")[0]["UID"])


def test_an_empty_feed_is_still_a_valid_calendar(client):
    calendar = parsed(client.get(FEED))
    assert calendar.walk("VEVENT") == []


def test_a_link_kept_for_members_is_only_in_a_members_own_ics(client):
    secret = EventFactory(
        title="Réservé", online_url="https://meet.example.org/members", link_for_members_only=True
    )
    EventFactory(
        title="Ouvert", online_url="https://meet.example.org/open", link_for_members_only=False
    )
    feed = client.get(FEED)
    assert b"meet.example.org/members" not in feed.content
    found = events_of(parsed(feed))
    assert str(found["Ouvert"]["LOCATION"]) == "https://meet.example.org/open"
    assert str(found["Réservé"]["LOCATION"]) == tr(
        "Online (the link is on the event's page, for members)"
    )

    ics = f"/fr/events/{secret.slug}/calendar.ics"
    assert b"meet.example.org/members" not in client.get(ics).content
    member = Client()
    member.force_login(verified_member())
    response = member.get(ics)
    [component] = parsed(response).walk("VEVENT")
    assert str(component["LOCATION"]) == "https://meet.example.org/members"
    assert response["Cache-Control"] == "private"


def test_lines_are_folded_and_end_with_crlf(client):
    EventFactory(title="Un titre " + "très long " * 20)
    body = client.get(FEED).content
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert not re.search(rb"[^\r]\n", body)
