"""Each page of the events calendar runs a fixed number of SQL queries, however many events
(and attendees) there are: 5 or 200."""

import datetime
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from library.models import Attendance, Event, EventKind
from network.models import Member
from tests.factories import (
    EventFactory,
    MemberFactory,
    OrganisationFactory,
    ProjectFactory,
    ResourceFactory,
    StaffFactory,
    ThemeFactory,
)

# What a list or detail page may need for a visitor.
MAX_QUERIES = 10

EventThemes = Event.themes.through


@pytest.fixture
def world(db):
    """Four themes, an organiser, a project and a resource; the event every page looks at
    (with its themes, project and resource)."""
    themes = ThemeFactory.create_batch(4)
    organiser = OrganisationFactory(name="Organisatrice")
    featured = EventFactory(
        title="L'événement", slug="the-event", organiser=organiser, themes=themes[:2]
    )
    featured.projects.set([ProjectFactory()])
    featured.resources.set([ResourceFactory()])
    return SimpleNamespace(themes=themes, organiser=organiser, featured=featured)


def add_events(world, count: int) -> None:
    """``count`` published events (a third past, the others upcoming, kinds and places
    varied), each with two themes, inserted in bulk; and as many members attending the
    featured event."""
    now = timezone.now()
    events = Event.objects.bulk_create(
        EventFactory.build(
            starts_at=now + datetime.timedelta(days=(n % 3 - 1) * 30 + n % 17),
            ends_at=now + datetime.timedelta(days=(n % 3 - 1) * 30 + n % 17, hours=2),
            kind=EventKind.values[n % len(EventKind.values)],
            organiser=world.organiser if n % 2 else None,
            online=bool(n % 2),
            country="" if n % 2 else "SN",
            city="" if n % 2 else "Dakar",
            languages=["fr", "es"] if n % 2 else ["en"],
        )
        for n in range(count)
    )
    EventThemes.objects.bulk_create(
        EventThemes(event=event, theme=theme)
        for n, event in enumerate(events)
        for theme in (world.themes[n % 4], world.themes[(n + 1) % 4])
    )
    members = MemberFactory.build_batch(count, password="x")
    for member in members:
        member.slug = f"attendee-{uuid.uuid4().hex[:12]}"  # save() would make it
    members = Member.objects.bulk_create(members)
    Attendance.objects.bulk_create(
        Attendance(event=world.featured, member=member) for member in members
    )
    with connection.cursor() as cursor:
        tables = [Event, EventThemes, Member, Attendance]
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


PAGES = {
    "upcoming": lambda world: "/fr/events/",
    "past": lambda world: "/fr/events/past/",
    "filtered": lambda world: (
        f"/en/events/?kind=webinar&online=true&language=fr&theme={world.themes[1].slug}"
        "&tz=Europe/Brussels"
    ),
    "second page": lambda world: "/fr/events/?page=2",
    "event": lambda world: "/fr/events/the-event/?tz=Asia/Manila",
    "event ics": lambda world: "/fr/events/the-event/calendar.ics",
    "feed": lambda world: "/fr/events/calendar.ics",
}


def count_queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_events(client, world, page):
    add_events(world, 5)
    url = PAGES[page](world)
    few, html = count_queries(client, url)

    add_events(world, 195)
    assert Event.objects.published().count() == 201
    many, _html = count_queries(client, url)

    assert many == few, f"{page}: {few} queries with 5 events, {many} with 200"
    assert few <= MAX_QUERIES, f"{page}: {few} queries"


def test_the_organisers_pages_do_not_grow_with_the_attendees(world):
    staff = Client()
    staff.force_login(StaffFactory())
    pages = ["/fr/events/the-event/attendees/", "/fr/events/the-event/attendees/email/"]
    add_events(world, 5)
    few = [count_queries(staff, url)[0] for url in pages]
    add_events(world, 195)
    assert world.featured.attendances.count() == 200
    many = [count_queries(staff, url)[0] for url in pages]
    assert many == few
    assert max(few) <= MAX_QUERIES + 4  # the session, the account, the staff's rights
