"""The reminder a day before an event: written by the worker's periodic round
(``common.periodic``), one email to each attendee in their language, through the outbox,
once, however often the round runs, whichever worker runs it, and when a worker restarts."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from common.models import OutgoingEmail
from common.outbox import deliver_due
from common.periodic import periodic_jobs
from library import event_services
from library.event_services import queue_reminders, reminder_cause
from library.models import Attendance, Event, ReviewStatus
from tests.factories import EventFactory, MemberFactory, verified_member
from tests.html import tr

UTC = datetime.UTC


def in_hours(hours: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def with_attendees(event, *members):
    for member in members:
        Attendance.objects.create(event=event, member=member)
    return event


@pytest.fixture
def people(db):
    return {
        "fr": verified_member(name="Awa Fall", language="fr"),
        "en": verified_member(name="John Smith", language="en"),
        "es": verified_member(name="Ana López", language="es"),
        # Never emailed: an address nobody confirmed, a closed account.
        "unconfirmed": MemberFactory(language="fr"),
        "closed": verified_member(language="fr", is_active=False),
    }


@pytest.fixture
def tomorrow(people):
    event = EventFactory(
        title="Webinaire sur la diaspora",
        title_en="Diaspora webinar",
        title_es="Seminario web sobre la diáspora",
        starts_at=in_hours(20),
        ends_at=in_hours(22),
    )
    return with_attendees(event, *people.values())


@pytest.mark.django_db
def test_each_attendee_is_reminded_once_in_their_language(tomorrow, people):
    assert queue_reminders() == 3
    assert queue_reminders() == 0  # the next round: nothing more
    tomorrow.refresh_from_db()
    assert tomorrow.reminders_queued_at is not None

    assert deliver_due()["sent"] == 3
    assert deliver_due()["sent"] == 0  # a restarted worker delivering again sends nothing
    by_address = {email.to[0]: email for email in mail.outbox}
    assert set(by_address) == {people[code].email for code in ("fr", "en", "es")}
    for code, title in (
        ("fr", "Webinaire sur la diaspora"),
        ("en", "Diaspora webinar"),
        ("es", "Seminario web sobre la diáspora"),
    ):
        email = by_address[people[code].email]
        assert email.subject == tr("Reminder: %(title)s", code) % {"title": title}
        assert email.extra_headers["Content-Language"] == code
        assert tr("Hello %(name)s,", code) % {"name": people[code].name} in email.body
        assert "Dakar" in email.body
        assert f"/{code}/events/{tomorrow.slug}/" in email.body
        # Attendees are members: the link to join is in their reminder.
        assert tomorrow.online_url in email.body


@pytest.mark.django_db
def test_written_again_by_mistake_the_outbox_still_sends_one_each(tomorrow):
    assert queue_reminders() == 3
    # As if the mark were lost: the outbox's cause refuses a second email to an address.
    Event.objects.filter(pk=tomorrow.pk).update(reminders_queued_at=None)
    queue_reminders()
    assert OutgoingEmail.objects.filter(cause=reminder_cause(tomorrow)).count() == 3


@pytest.mark.django_db
def test_only_published_events_starting_within_a_day_are_reminded(people):
    attendee = people["fr"]
    not_yet = with_attendees(EventFactory(starts_at=in_hours(30)), attendee)
    started = with_attendees(EventFactory(starts_at=in_hours(-1), ends_at=in_hours(1)), attendee)
    pending = with_attendees(
        EventFactory(starts_at=in_hours(5), status=ReviewStatus.PENDING), attendee
    )
    refused = with_attendees(
        EventFactory(starts_at=in_hours(5), status=ReviewStatus.REFUSED), attendee
    )
    assert queue_reminders() == 0
    assert not OutgoingEmail.objects.exists()
    assert not Event.objects.filter(reminders_queued_at__isnull=False).exists()

    # Six hours later, the first comes within a day.
    assert queue_reminders(now=timezone.now() + datetime.timedelta(hours=7)) == 1
    assert OutgoingEmail.objects.get().cause == reminder_cause(not_yet)
    for event in (started, pending, refused):
        event.refresh_from_db()
        assert event.reminders_queued_at is None


@pytest.mark.django_db
def test_an_event_without_attendees_is_marked_done_too():
    event = EventFactory(starts_at=in_hours(3))
    assert queue_reminders() == 0
    event.refresh_from_db()
    assert event.reminders_queued_at is not None


@pytest.mark.django_db
def test_cancelling_withdraws_ones_reminder_not_yet_sent(tomorrow, people):
    queue_reminders()
    assert event_services.cancel_attendance(event=tomorrow, member=people["en"])
    deliver_due()
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        [people["fr"].email, people["es"].email]
    )


@pytest.mark.django_db
def test_the_worker_runs_the_reminders_every_few_minutes():
    [job] = [job for job in periodic_jobs() if job.name == "library.event-reminders"]
    assert job.run is queue_reminders
    assert job.every <= datetime.timedelta(minutes=15)


@pytest.mark.django_db(transaction=True)
def test_real_workers_restarted_send_one_reminder_per_attendee():
    """Two worker processes in turn (the second one as after a restart): each runs its
    periodic round and its delivery task; every attendee gets one reminder."""
    from tests.common.smtp import SMTPServer
    from tests.common.test_worker import database_url, start_worker

    with transaction.atomic():
        event = EventFactory(starts_at=in_hours(12), ends_at=in_hours(13))
        attendees = [verified_member(language=code) for code in ("fr", "en", "es", "fr")]
        with_attendees(event, *attendees)
    with SMTPServer() as server:
        email_url = f"smtp://127.0.0.1:{server.port}?tls=0&timeout=5"
        for worker_id in ("w1", "w1", "w2"):
            worker = start_worker(
                database=database_url(),
                email_url=email_url,
                worker_id=worker_id,
                batch=True,
                sweep=0,
            )
            output, _ = worker.communicate(timeout=120)
            assert worker.returncode == 0, output
        received = server.handler.recipients()
    assert sorted(received) == sorted(member.email for member in attendees)
    assert OutgoingEmail.objects.filter(status="sent").count() == len(attendees)
    event.refresh_from_db()
    assert event.reminders_queued_at is not None
