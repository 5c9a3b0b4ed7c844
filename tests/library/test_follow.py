"""Members follow a theme or a country of the library, and get one email a day listing what
was published on it (written by the worker, each resource announced once)."""

import datetime
import signal
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from common import periodic
from common.models import OutgoingEmail
from library import services
from library.models import LibraryFollow, Resource
from tests.factories import MemberFactory, ResourceFactory, ThemeFactory, verified_member
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def follow_url() -> str:
    return reverse("library:follow")


def list_url(**query) -> str:
    return reverse("library:list") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


# --- The buttons ------------------------------------------------------------------------------


def test_a_visitor_is_offered_to_log_in_without_a_form(client):
    theme = ThemeFactory(name="Santé", slug="sante")

    page = parse(client.get(list_url(theme="sante")))

    actions = find(page, "div", "library-member-actions")
    assert not find_all(actions, "form")
    link = find(actions, "p", "follow-theme")
    assert tr("Log in to follow “%(name)s”") % {"name": theme.name} == text(link)
    assert find(actions, "a", href=reverse("library:share"))


def test_a_member_follows_the_theme_of_the_list_and_pressing_twice_is_once(client):
    member = verified_member()
    theme = ThemeFactory(name="Santé", slug="sante")
    client.force_login(member)
    page = parse(client.get(list_url(theme="sante")))
    form = find(page, "form", "follow-theme")
    assert find(form, "button").attrs["value"] == "follow"
    data = {"theme": "sante", "action": "follow", "next": list_url(theme="sante")}

    first = client.post(follow_url(), data)
    second = client.post(follow_url(), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == list_url(theme="sante")
    assert LibraryFollow.objects.filter(member=member, theme=theme).count() == 1
    page = parse(client.get(list_url(theme="sante")))
    assert find(find(page, "form", "follow-theme"), "button").attrs["value"] == "unfollow"


def test_a_member_follows_a_country_and_stops(client):
    member = verified_member()
    client.force_login(member)

    client.post(follow_url(), {"country": "sn", "action": "follow"})
    assert LibraryFollow.objects.get(member=member).country == "SN"
    page = parse(client.get(list_url(country="SN")))
    assert find(find(page, "form", "follow-country"), "button").attrs["value"] == "unfollow"

    for _twice in range(2):
        response = client.post(follow_url(), {"country": "SN", "action": "unfollow"})
        assert response.status_code == 302
    assert not LibraryFollow.objects.exists()


def test_no_button_when_the_list_is_not_filtered_by_one_theme_or_country(client):
    ThemeFactory(slug="a")
    ThemeFactory(slug="b")
    client.force_login(verified_member())

    for query in ({}, {"kind": "report"}, {"theme": "a&theme=b"}, {"theme": "unknown"}):
        page = parse(client.get(list_url(**query)))
        assert not find_all(page, "form", "follow-theme"), query


def test_a_member_who_has_not_confirmed_their_address_cannot_follow(client):
    ThemeFactory(slug="sante")
    client.force_login(MemberFactory())

    response = client.post(follow_url(), {"theme": "sante", "action": "follow"})

    assert response.status_code == 403
    assert str(services.VERIFY_FIRST) in text(parse(response))
    assert not LibraryFollow.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "follow"},
        {"theme": "sante", "country": "SN", "action": "follow"},
        {"country": "XX", "action": "follow"},
        {"theme": "sante", "action": "jump"},
    ],
)
def test_a_broken_button_is_a_clear_400(client, data):
    ThemeFactory(slug="sante")
    client.force_login(verified_member())

    response = client.post(follow_url(), data)

    assert response.status_code == 400
    assert tr("This button is out of date: reload the page.") in text(parse(response))


def test_following_is_a_post_and_a_visitor_is_sent_to_log_in(client):
    assert client.post(follow_url(), {"country": "SN", "action": "follow"}).status_code == 302
    client.force_login(verified_member())
    assert client.get(follow_url()).status_code == 405


def test_the_members_page_lists_what_they_follow_with_a_button_to_stop(client):
    member = verified_member()
    theme = ThemeFactory(name="Santé", slug="sante")
    services.follow(member=member, theme=theme)
    services.follow(member=member, country="ML")
    client.force_login(member)

    page = parse(client.get(member.get_absolute_url()))

    section = find(page, "section", id="library-follows")
    assert tr("What I follow in the library") == text(find(section, "h2"))
    assert "Santé" in text(section) and "Mali" in text(section)
    assert len(find_all(section, "form")) == 2
    # Not shown to anyone else.
    other = verified_member(visibility="everyone")
    assert not find_all(
        parse(client.get(other.get_absolute_url())), "section", id="library-follows"
    )


def test_an_unfollow_from_the_members_page_comes_back_to_it(client):
    member = verified_member()
    services.follow(member=member, country="ML")
    client.force_login(member)
    back = member.get_absolute_url() + "#library-follows"

    response = client.post(follow_url(), {"country": "ML", "action": "unfollow", "next": back})

    assert response["Location"] == back
    assert not LibraryFollow.objects.exists()


def test_the_next_address_stays_on_the_site(client):
    client.force_login(verified_member())

    response = client.post(
        follow_url(), {"country": "ML", "action": "follow", "next": "https://evil.example/"}
    )

    assert response["Location"] == list_url(country="ML")


# --- The daily digest -------------------------------------------------------------------------

# The digest of 2 March 2027, written at 06:00 UTC (LIBRARY_DIGEST_HOUR) for what was
# published before.
NOW = datetime.datetime(2027, 3, 2, 7, 30, tzinfo=UTC)
YESTERDAY = datetime.datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def digest_hour(settings):
    settings.LIBRARY_DIGEST_HOUR = 6


def digests() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(cause__startswith="library.digest:").order_by("to"))


def test_each_follower_gets_one_email_listing_what_is_new_on_what_they_follow():
    health, water = ThemeFactory(name="Santé"), ThemeFactory(name="Eau")
    ana = verified_member(email="ana@example.org", language="es")
    awa = verified_member(email="awa@example.org", language="fr")
    services.follow(member=ana, theme=health)
    services.follow(member=ana, country="SN")  # also on the health resource: listed once
    services.follow(member=awa, theme=water)
    on_health = ResourceFactory(
        title_es="Salud y migración", countries=["SN"], published_at=YESTERDAY, themes=[health]
    )
    on_senegal = ResourceFactory(
        title_es="Guía de Senegal", countries=["SN"], published_at=YESTERDAY
    )
    ResourceFactory(published_at=YESTERDAY, countries=["ML"])  # nobody follows it

    written = services.queue_library_digests(NOW)

    assert written == 1
    (email,) = digests()
    assert email.to == "ana@example.org" and email.language == "es"
    assert email.body.count("Salud y migración") == 1
    assert "Guía de Senegal" in email.body
    assert f"/es/library/{on_health.slug}/" in email.body
    assert f"/es/library/{on_senegal.slug}/" in email.body
    assert "/es/library/unsubscribe/" in email.headers["List-Unsubscribe"]
    # Each resource is announced once: a second run writes nothing.
    assert services.queue_library_digests(NOW + datetime.timedelta(minutes=5)) == 0
    assert not Resource.objects.filter(announced_at__isnull=True).exists()


def test_what_is_published_after_the_digest_time_waits_for_the_next_day():
    member = verified_member()
    services.follow(member=member, country="SN")
    after = ResourceFactory(countries=["SN"], published_at=NOW - datetime.timedelta(minutes=10))

    assert services.queue_library_digests(NOW) == 0
    after.refresh_from_db()
    assert after.announced_at is None

    assert services.queue_library_digests(NOW + datetime.timedelta(days=1)) == 1


def test_old_resources_never_announced_are_not_announced_late():
    member = verified_member()
    services.follow(member=member, country="SN")
    ResourceFactory(countries=["SN"], published_at=NOW - datetime.timedelta(days=30))

    assert services.queue_library_digests(NOW) == 0
    assert not Resource.objects.filter(announced_at__isnull=True).exists()


def test_no_digest_for_unpublished_ones_for_own_resources_nor_for_closed_accounts():
    theme = ThemeFactory()
    sharer = verified_member()
    unconfirmed = MemberFactory()
    services.follow(member=sharer, theme=theme)
    LibraryFollow.objects.create(member=unconfirmed, theme=theme)
    ResourceFactory(themes=[theme], shared_by=sharer, published_at=YESTERDAY)
    ResourceFactory(themes=[theme], status="pending", published_at=None)

    assert services.queue_library_digests(NOW) == 0


def test_the_worker_writes_and_sends_the_digest_once_a_day(monkeypatch):
    member = verified_member(email="ana@example.org")
    services.follow(member=member, country="SN")
    before_digest_time = services.digest_cutoff(timezone.now()) - datetime.timedelta(hours=1)
    ResourceFactory(title="Guide du Sénégal", countries=["SN"], published_at=before_digest_time)
    monkeypatch.setattr(services, "_digests_written_for", None)
    assert "library.digests" in [job.name for job in periodic.periodic_jobs()]
    for job in periodic.periodic_jobs():
        monkeypatch.setattr(job, "last_run", None)

    run_worker_once()
    run_worker_once()

    assert len(digests()) == 1
    sent = [message for message in mail.outbox if message.to == ["ana@example.org"]]
    assert len(sent) == 1 and "Guide du Sénégal" in sent[0].body


def run_worker_once() -> None:
    """One round of ``manage.py run_worker`` (its sweep included), in the test's
    transaction."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with (
            mock.patch("common.management.commands.run_worker.close_old_connections"),
            mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
        ):
            call_command("run_worker", batch=True, sweep_interval=0, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_the_emails_link_stops_every_library_email(client):
    member = verified_member()
    services.follow(member=member, country="SN")
    services.follow(member=member, theme=ThemeFactory())
    url = services.unsubscribe_url(member, "fr").removeprefix("http://127.0.0.1:8000")
    url = url[url.index("/fr/") :]

    page = client.get(url)  # a scanner following the link changes nothing
    assert page.status_code == 200 and LibraryFollow.objects.count() == 2
    response = client.post(url)

    assert response.status_code == 200
    assert not LibraryFollow.objects.exists()
    assert client.get(url.replace("unsubscribe/", "unsubscribe/x")).status_code == 400


def test_a_failing_periodic_job_does_not_stop_the_others(monkeypatch):
    called = []
    jobs = {
        "failing": periodic.PeriodicJob("failing", lambda: 1 / 0, datetime.timedelta(minutes=1)),
        "fine": periodic.PeriodicJob(
            "fine", lambda: called.append(1), datetime.timedelta(minutes=1)
        ),
    }
    monkeypatch.setattr(periodic, "_jobs", jobs)

    assert periodic.run_due_jobs(now=1000.0) == ["failing", "fine"]
    assert periodic.run_due_jobs(now=1010.0) == ["failing"]  # tried again; "fine" not yet due
    assert periodic.run_due_jobs(now=1070.0) == ["failing", "fine"]
    assert called == [1, 1]
