"""The events calendar: the upcoming and past lists and their filters, an event's page with
its times in words (the event's zone and the visitor's, chosen without JavaScript and kept
in a cookie), the link to join shown to members only when the organiser wants, "I will
attend", and the organisers' list of attendees and email to them, for each kind of actor.

Interface strings are compared with what gettext gives for the page's language; data and
times are compared literally."""

import datetime
from urllib.parse import urlsplit

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.core.cache import cache, caches
from django.core.management import call_command
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from common import pagecache
from common.models import OutgoingEmail
from library import event_services
from library.event_times import COOKIE
from library.models import Attendance, EventKind, ReviewStatus
from network.models import Membership, MembershipRole, MembershipStatus
from tests.factories import (
    EventFactory,
    MemberFactory,
    OrganisationFactory,
    StaffFactory,
    ThemeFactory,
    verified_member,
)
from tests.html import find, find_all, parse, text, tr, tr_count

pytestmark = pytest.mark.django_db

UPCOMING = "/fr/events/"
PAST = "/fr/events/past/"
UTC = datetime.UTC
# Tuesday 3 March 2026, 14:00–16:00 in Dakar (UTC+0): 15:00–17:00 in Brussels (UTC+1).
TUESDAY = datetime.datetime(2026, 3, 3, 14, tzinfo=UTC)


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def soon(days=7, hours=0) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days, hours=hours)


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [
        text(find(find(card, "h3"), "a"))
        for card in find_all(parse(response), "article", "event-card")
    ]


def notices(response) -> list[str]:
    return [text(node) for node in find_all(parse(response), "p", "notice")]


def when(response) -> str:
    return text(find(parse(response), "p", "event-when"))


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path.endswith("/accounts/login/")


def client_of(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def representative_of(organisation, **fields):
    member = verified_member(**fields)
    Membership.objects.create(
        member=member,
        organisation=organisation,
        role=MembershipRole.REPRESENTATIVE,
        status=MembershipStatus.APPROVED,
    )
    return member


# --- The lists ------------------------------------------------------------------------------


def test_upcoming_lists_published_events_not_over_soonest_first_and_past_the_latest_first(
    client,
):
    later = EventFactory(title="Plus tard", starts_at=soon(20))
    sooner = EventFactory(title="Bientôt", starts_at=soon(2))
    # Started an hour ago, ends in an hour: still listed as upcoming.
    ongoing = EventFactory(title="En cours", starts_at=soon(0, -1), ends_at=soon(0, 1))
    EventFactory(title="En attente", starts_at=soon(3), status=ReviewStatus.PENDING)
    EventFactory(title="Refusé", starts_at=soon(3), status=ReviewStatus.REFUSED)
    old = EventFactory(title="L'an dernier", starts_at=soon(-365))
    older = EventFactory(title="Il y a deux ans", starts_at=soon(-730))

    assert titles(client.get(UPCOMING)) == [ongoing.title, sooner.title, later.title]
    assert titles(client.get(PAST)) == [old.title, older.title]
    assert text(find(parse(client.get(UPCOMING)), "p", "totals")) == tr_count(
        "%(counter)s event", "%(counter)s events", 3
    )


def test_filters_by_kind_country_theme_language_and_online(client):
    migration, health = ThemeFactory(), ThemeFactory()
    webinar = EventFactory(title="Webinaire", languages=["fr"], themes=[migration])
    workshop = EventFactory(
        title="Atelier à Dakar",
        kind=EventKind.WORKSHOP,
        online=False,
        online_url="",
        city="Dakar",
        country="SN",
        languages=["fr", "en"],
        themes=[health],
    )
    training = EventFactory(
        title="Formation à San Salvador",
        kind=EventKind.TRAINING,
        online=False,
        online_url="",
        city="San Salvador",
        country="SV",
        languages=["es"],
        themes=[migration, health],
    )

    def found(query):
        return set(titles(client.get(f"{UPCOMING}?{query}")))

    assert found("kind=workshop") == {workshop.title}
    assert found("country=SV") == {training.title}
    assert found("country=sn") == {workshop.title}  # as in /countries/sn/
    assert found(f"theme={migration.slug}") == {webinar.title, training.title}
    assert found("language=en") == {workshop.title}
    assert found("online=true") == {webinar.title}
    assert found("online=false") == {workshop.title, training.title}
    assert found(f"theme={health.slug}&online=false&language=es") == {training.title}


def test_active_filters_are_removable(client):
    EventFactory(title="Webinaire")
    page = parse(client.get(f"{UPCOMING}?kind=webinar&online=true"))
    active = find(page, "ul", "active-filters")
    items = find_all(active, "li")
    assert [text(item).split(":")[0] for item in items] == [
        tr("Kind of event"),
        tr("Online or in person"),
    ]
    assert find(items[0], "a").attrs["href"] == "?online=true"


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("kind=party", "Kind of event"),
        ("country=ZZ", "Country"),
        ("theme=nope", "Theme"),
        ("language=xx", "Language"),
        ("online=maybe", "Online or in person"),
        ("theme=%00", "Theme"),
    ],
)
def test_a_malformed_filter_is_ignored_with_a_notice(client, query, label):
    event = EventFactory()
    response = client.get(f"{UPCOMING}?{query}")
    assert titles(response) == [event.title]
    [notice] = notices(response)
    assert notice.startswith(tr(label))


def test_the_lists_page_through_the_events(client, settings):
    EventFactory.create_batch(23)
    first, last = client.get(UPCOMING), client.get(f"{UPCOMING}?page=2")
    assert len(titles(first)) == 20
    assert len(titles(last)) == 3
    assert not set(titles(first)) & set(titles(last))
    assert notices(client.get(f"{UPCOMING}?page=9"))  # past the end: the last page, said so


# --- An event's times -----------------------------------------------------------------------


@pytest.fixture
def dakar_event(db):
    return EventFactory(
        title_en="Diaspora investment webinar",
        starts_at=TUESDAY,
        ends_at=TUESDAY + datetime.timedelta(hours=2),
        time_zone="Africa/Dakar",
    )


def test_times_in_the_events_zone_and_in_utc_by_default(client, dakar_event):
    response = client.get(f"/en/events/{dakar_event.slug}/")
    assert when(response) == (
        "Tuesday 3 March 2026, 14:00–16:00 Dakar time (UTC+0) — 14:00–16:00 UTC"
    )
    assert find(parse(response), "time").attrs["datetime"] == "2026-03-03T14:00:00+00:00"


def test_the_visitor_chooses_a_zone_kept_in_a_cookie(client, dakar_event):
    page = f"/en/events/{dakar_event.slug}/"
    response = client.get(f"{page}?tz=Europe/Brussels")
    assert when(response) == (
        "Tuesday 3 March 2026, 14:00–16:00 Dakar time (UTC+0) — "
        "15:00–17:00 for you (Brussels, UTC+1)"
    )
    assert response.cookies[COOKIE].value == "Europe/Brussels"
    assert response.cookies[COOKIE]["samesite"] == "Lax"

    # The next pages, without the parameter: the cookie says it.
    assert "15:00–17:00 for you (Brussels, UTC+1)" in when(client.get(page))
    listed = text(find(parse(client.get("/en/events/past/")), "p", "event-when"))
    assert listed.endswith("15:00–17:00 for you (Brussels, UTC+1)")
    form = find(parse(client.get(page)), "form", "times-in")
    assert find(form, "option", selected="").attrs["value"] == "Europe/Brussels"

    # Back to UTC, the default: the cookie goes.
    response = client.get(f"{page}?tz=UTC")
    assert response.cookies[COOKIE].value == ""
    assert when(client.get(page)).endswith("14:00–16:00 UTC")


def test_a_zone_on_another_day_gives_the_date_and_offsets_with_minutes(client, dakar_event):
    page = f"/en/events/{dakar_event.slug}/"
    assert when(client.get(f"{page}?tz=Asia/Manila")).endswith(
        "Tuesday 3 March 2026, 22:00 – Wednesday 4 March 2026, 00:00 for you (Manila, UTC+8)"
    )
    assert when(client.get(f"{page}?tz=Asia/Kathmandu")).endswith(
        "19:45–21:45 for you (Kathmandu, UTC+5:45)"
    )
    assert when(client.get(f"{page}?tz=America/El_Salvador")).endswith(
        "08:00–10:00 for you (San Salvador, UTC-6)"
    )


def test_times_are_written_in_the_pages_language(client, dakar_event):
    french = when(client.get(f"/fr/events/{dakar_event.slug}/?tz=Europe/Paris"))
    assert french.startswith("mardi 3 mars 2026, 14:00–16:00")
    assert "15:00–17:00" in french
    spanish = when(client.get(f"/es/events/{dakar_event.slug}/"))
    assert spanish.startswith("martes 3") and "marzo" in spanish and "2026" in spanish


def test_the_zone_form_offers_a_bounded_grouped_list_and_works_without_javascript(
    client, dakar_event
):
    page = parse(client.get(f"/en/events/{dakar_event.slug}/"))
    form = find(page, "form", "times-in")
    assert form.attrs["method"] == "get"
    select = find(form, "select", name="tz")
    groups = find_all(select, "optgroup")
    assert [group.attrs["label"] for group in groups] == ["Africa", "Americas", "Asia", "Europe"]
    options = find_all(select, "option")
    assert 30 <= len(options) <= 50
    assert "Senegal (Dakar)" in [text(option) for option in options]
    assert not find_all(page, "script")


def test_a_zone_not_offered_is_ignored_with_a_notice(client, dakar_event):
    response = client.get(f"/en/events/{dakar_event.slug}/?tz=Mars/Olympus_Mons")
    assert response.status_code == 200
    assert when(response).endswith("14:00–16:00 UTC")
    assert notices(response) == [
        tr("“%(zone)s” is not one of the time zones offered: times are shown in UTC.", "en")
        % {"zone": "Mars/Olympus_Mons"}
    ]
    assert COOKIE not in response.cookies
    # A cookie that says nothing offered is ignored too.
    client.cookies[COOKIE] = "<script>"
    assert when(client.get(f"/en/events/{dakar_event.slug}/")).endswith("14:00–16:00 UTC")


def test_a_daylight_saving_change_during_the_event_shows_both_offsets(client):
    # Paris moves from UTC+1 to UTC+2 at 01:00 UTC on the last Sunday of March 2026.
    event = EventFactory(
        time_zone="Europe/Paris",
        starts_at=datetime.datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
    )
    assert when(client.get(f"/en/events/{event.slug}/")).startswith(
        "Sunday 29 March 2026, 01:00–04:00 Paris time (UTC+1 → UTC+2)"
    )


def test_page_cache_keeps_one_page_per_chosen_zone(settings, dakar_event):
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "page_cache_table",
        },
    }
    call_command("createcachetable", verbosity=0)
    caches["pages"].clear()
    page = f"/en/events/{dakar_event.slug}/"
    brussels, manila, nobody = Client(), Client(), Client()
    brussels.cookies[COOKIE] = "Europe/Brussels"
    manila.cookies[COOKIE] = "Asia/Manila"
    for visit in ("first", "second"):
        responses = [brussels.get(page), manila.get(page), nobody.get(page)]
        assert "for you (Brussels, UTC+1)" in when(responses[0])
        assert "for you (Manila, UTC+8)" in when(responses[1])
        assert when(responses[2]).endswith("14:00–16:00 UTC")
        kept = [response.get(pagecache.HIT_HEADER) == "hit" for response in responses]
        assert kept == [visit == "second"] * 3
    caches["pages"].clear()


# --- The link to join -----------------------------------------------------------------------


def test_a_members_only_link_is_shown_to_logged_in_members_only(client, member):
    event = EventFactory(online_url="https://meet.example.org/secret", link_for_members_only=True)
    anonymous = client.get(event.get_absolute_url())
    assert b"meet.example.org/secret" not in anonymous.content
    assert tr("Log in to see the link: the organisers share it with members.") in text(
        parse(anonymous)
    )
    assert (
        b"meet.example.org/secret"
        not in client.get(f"/fr/events/{event.slug}/calendar.ics").content
    )

    as_member = client_of(member).get(event.get_absolute_url())
    assert find(parse(as_member), "a", href="https://meet.example.org/secret")


def test_a_public_link_is_shown_to_everyone(client):
    event = EventFactory(online_url="https://meet.example.org/open", link_for_members_only=False)
    assert find(
        parse(client.get(event.get_absolute_url())), "a", href="https://meet.example.org/open"
    )


# --- Who sees what event --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "status"),
    [("anonymous", 404), ("member", 404), ("proposer", 200), ("staff", 200)],
)
def test_an_event_waiting_for_review_is_seen_by_its_proposer_and_staff(actor, status):
    proposer = verified_member()
    event = EventFactory(status=ReviewStatus.PENDING, proposed_by=proposer)
    clients = {
        "anonymous": Client,
        "member": lambda: client_of(verified_member()),
        "proposer": lambda: client_of(proposer),
        "staff": lambda: client_of(StaffFactory()),
    }
    response = clients[actor]().get(event.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        assert find(parse(response), "strong", "badge")
        assert not find_all(parse(response), "form", "attend")
    assert clients[actor]().get(f"/fr/events/{event.slug}/calendar.ics").status_code == status


def test_an_unknown_event_is_404(client):
    assert client.get("/fr/events/nothing-here/").status_code == 404


# --- Attending ------------------------------------------------------------------------------


def attend_url(event) -> str:
    return f"/fr/events/{event.slug}/attend/"


def test_anonymous_visitors_are_asked_to_log_in(client):
    event = EventFactory()
    page = parse(client.get(event.get_absolute_url()))
    assert not find_all(page, "form", "attend")
    assert tr("Log in to say you will attend") in text(page)
    assert goes_to_login(client.post(attend_url(event)))
    assert not Attendance.objects.exists()


def test_a_member_attends_once_then_cancels(client):
    member = verified_member()
    client.force_login(member)
    event = EventFactory()

    for _click in range(2):  # a double click: one attendance
        response = client.post(attend_url(event))
        assert response.status_code == 302 and response.url == event.get_absolute_url()
    assert Attendance.objects.filter(event=event, member=member).count() == 1
    page = parse(client.get(event.get_absolute_url()))
    assert tr("You will attend.") in text(page)
    assert text(find(find(page, "form", "attend"), "button")) == tr("I will not attend any more")
    assert tr_count("%(counter)s member", "%(counter)s members", 1) in text(page)

    client.post(attend_url(event), {"cancel": "1"})
    client.post(attend_url(event), {"cancel": "1"})
    assert not Attendance.objects.exists()
    assert client.get(attend_url(event)).status_code == 302  # GET: back to the event


def test_a_member_without_a_confirmed_address_cannot_attend(client):
    client.force_login(MemberFactory())
    event = EventFactory()
    response = client.post(attend_url(event))
    assert response.status_code == 403
    assert text(find(parse(response), "p", "notice")) == tr(
        "Confirm your email address before signing up for events: open the link we sent "
        "you, or ask for a new one on your email addresses page."
    )
    assert not Attendance.objects.exists()


def test_nobody_attends_an_event_over_or_unpublished(client):
    client.force_login(verified_member())
    over = EventFactory(starts_at=soon(-3))
    assert client.post(attend_url(over)).status_code == 403
    pending = EventFactory(status=ReviewStatus.PENDING)
    assert client.post(attend_url(pending)).status_code == 404
    assert not Attendance.objects.exists()
    assert not find_all(parse(client.get(over.get_absolute_url())), "form", "attend")


# --- The organisers: attendees and email ----------------------------------------------------


@pytest.fixture
def organised(db):
    """An event of an organisation, three attendees (French, Spanish, one without a
    confirmed address) and the organisation's representative."""
    organisation = OrganisationFactory(name="Diaspora Sénégal", verified=True)
    event = EventFactory(organiser=organisation, title_es="Seminario web")
    amina = verified_member(name="Amina Diallo", language="fr", affiliation="Mairie de Kolda")
    jose = verified_member(name="José Pérez", language="es")
    unconfirmed = MemberFactory(name="Sans Adresse")
    for person in (amina, jose):
        event_services.attend(event=event, member=person)
    # Signed up before their address was to be confirmed: listed, never emailed.
    Attendance.objects.create(event=event, member=unconfirmed)
    return {
        "event": event,
        "organisation": organisation,
        "representative": representative_of(organisation, name="Rep Résentante"),
        "attendees": [amina, jose, unconfirmed],
    }


def attendees_url(event) -> str:
    return f"/fr/events/{event.slug}/attendees/"


def email_url(event) -> str:
    return f"/fr/events/{event.slug}/attendees/email/"


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("anonymous", "login"),
        ("member", 403),
        ("attendee", 403),
        ("representative of another organisation", 403),
        ("representative waiting for approval", 403),
        ("representative", 200),
        ("staff", 200),
    ],
)
def test_the_attendees_page_per_actor(organised, actor, expected):
    event = organised["event"]
    pending = verified_member()
    Membership.objects.create(
        member=pending, organisation=organised["organisation"], role=MembershipRole.REPRESENTATIVE
    )
    clients = {
        "anonymous": Client,
        "member": lambda: client_of(verified_member()),
        "attendee": lambda: client_of(organised["attendees"][0]),
        "representative of another organisation": lambda: client_of(
            representative_of(OrganisationFactory(verified=True))
        ),
        "representative waiting for approval": lambda: client_of(pending),
        "representative": lambda: client_of(organised["representative"]),
        "staff": lambda: client_of(StaffFactory()),
    }
    client = clients[actor]()
    for url in (attendees_url(event), email_url(event)):
        response = client.get(url)
        if expected == "login":
            assert goes_to_login(response)
        else:
            assert response.status_code == expected
    if expected == 200:
        page = parse(client.get(attendees_url(event)))
        names = [text(row.children[0]) for row in find_all(find(page, "tbody"), "tr")]
        assert names == ["Amina Diallo", "José Pérez", "Sans Adresse"]
        assert "Mairie de Kolda" in text(page)
        assert "@" not in text(find(page, "table"))  # no email address shown
        link = find_all(parse(client.get(event.get_absolute_url())), "a", href=attendees_url(event))
        assert link
    else:
        assert not find_all(
            parse(client.get(event.get_absolute_url())), "a", href=attendees_url(event)
        )


def test_the_jmdi_teams_events_attendees_are_for_staff_only(organised):
    event = EventFactory(organiser=None)
    assert client_of(organised["representative"]).get(attendees_url(event)).status_code == 403
    assert client_of(StaffFactory()).get(attendees_url(event)).status_code == 200


def message(subject="Programme de demain", body="Voici le programme.", token=None):
    data = {"subject": subject, "message": body}
    if token:
        data["submission"] = token
    return data


def test_the_organiser_writes_to_the_attendees_each_in_their_language(organised, run_tasks):
    from django.core import mail

    event, representative = organised["event"], organised["representative"]
    client = client_of(representative)
    token = "0b8e3c52-6f8c-4f0e-9a55-0a8f7a4e2d11"
    for _click in range(2):  # a double click: sent once
        response = client.post(email_url(event), message(token=token))
        assert response.status_code == 302 and response.url == attendees_url(event)
    run_tasks()
    by_address = {email.to[0]: email for email in mail.outbox}
    amina, jose, _unconfirmed = organised["attendees"]
    assert set(by_address) == {amina.email, jose.email}  # a confirmed address only
    assert by_address[jose.email].subject == "Programme de demain (Seminario web)"
    assert by_address[amina.email].subject == f"Programme de demain ({event.title_fr})"
    assert by_address[jose.email].extra_headers["Content-Language"] == "es"
    assert "Voici le programme." in by_address[amina.email].body
    assert tr("Hello %(name)s,") % {"name": "Amina Diallo"} in by_address[amina.email].body
    assert by_address[jose.email].reply_to == [representative.email]


@pytest.mark.parametrize("data", [message(subject=""), message(body="   "), {}])
def test_an_empty_message_is_400_and_nothing_is_sent(organised, data):
    client = client_of(organised["representative"])
    response = client.post(email_url(organised["event"]), data)
    assert response.status_code == 400
    assert not OutgoingEmail.objects.exists()


def test_emails_to_attendees_are_rate_limited(organised):
    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS["event_attendees_email"])
    limit = min(rate.amount for rate in rates)
    client = client_of(organised["representative"])
    for number in range(limit):
        assert (
            client.post(email_url(organised["event"]), message(f"N° {number}")).status_code == 302
        )
    response = client.post(email_url(organised["event"]), message("Un de trop"))
    assert response.status_code == 429
    assert tr(
        "You have sent many messages in a short while: this one was not sent. "
        "Please try again later (it is still below)."
    ) in text(find(parse(response), "div", "form-errors"))
    assert find(parse(response), "input", name="subject").attrs["value"] == "Un de trop"
    assert OutgoingEmail.objects.count() == 2 * limit


def test_someone_else_cannot_write_to_the_attendees(organised):
    client = client_of(verified_member())
    assert client.post(email_url(organised["event"]), message()).status_code == 403
    with pytest.raises(event_services.EventError):
        event_services.email_attendees(
            event=organised["event"], by=verified_member(), subject="x", message="y"
        )
    assert not OutgoingEmail.objects.exists()


# --- The home page's events -----------------------------------------------------------------


def test_upcoming_events_tag_gives_the_next_three(django_assert_num_queries):
    events = [EventFactory(starts_at=soon(days)) for days in (5, 1, 3, 9)]
    EventFactory(starts_at=soon(-2))
    request = RequestFactory().get("/fr/")
    request.COOKIES[COOKIE] = "America/El_Salvador"
    template = Template("{% load event_tags %}{% upcoming_events %}")
    with django_assert_num_queries(2):  # the events, their themes
        html = template.render(RequestContext(request, {}))
    shown = [event.title for event in sorted(events, key=lambda e: e.starts_at)[:3]]
    positions = [html.index(title) for title in shown]
    assert positions == sorted(positions)
    assert events[3].title not in html
    assert "San Salvador" in html
    assert "No event" not in Template("{% load event_tags %}{% upcoming_events %}").render(
        Context({})
    )


def test_an_empty_calendar_says_so(client):
    page = parse(client.get(UPCOMING))
    assert text(find(page, "p", "empty")) == tr("No upcoming event matches these filters.")


def test_the_filter_without_a_page_takes_the_period_as_a_parameter():
    """As the API uses it: ``when=upcoming`` or ``when=past``, both by default."""
    from library.event_filters import EventFilter
    from library.models import Event

    coming = EventFactory(starts_at=soon(3))
    gone = EventFactory(starts_at=soon(-3))

    def found(data):
        return list(EventFilter(data, queryset=Event.objects.published()).qs)

    assert found({"when": "upcoming"}) == [coming]
    assert found({"when": "past"}) == [gone]
    assert found({}) == [gone, coming]
    assert "when" not in EventFilter({}, queryset=Event.objects.all(), period="past").form.fields
