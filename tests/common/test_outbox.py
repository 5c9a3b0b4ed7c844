"""The outbox: emails are rows written with what causes them and sent once by the worker;
a mail server that is down, refusing or hanging loses nothing and stalls nothing."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from common.mail import RenderedEmail, outgoing_email, send_rendered_email
from common.models import OutgoingEmail
from common.outbox import cancel, deliver_due, queue_emails
from tests.common.smtp import SMTPServer, free_port, smtp_mailer
from tests.html import find, parse, text

pytestmark = pytest.mark.django_db


def queue(count: int, *, cause: str = "test") -> list[str]:
    rendered = RenderedEmail(subject="Nouvelle réponse", body="Bonjour.", language="fr")
    addresses = [f"person{n}@example.org" for n in range(count)]
    queue_emails(outgoing_email(rendered, address, cause=cause) for address in addresses)
    return addresses


def make_due():
    """Time passes: every email waiting for a retry is due now."""
    OutgoingEmail.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_an_email_is_a_row_until_the_worker_sends_it_once(run_tasks):
    send_rendered_email(
        RenderedEmail(subject="Objet", body="Texte.", language="es"), ["a@example.org"]
    )
    email = OutgoingEmail.objects.get()
    assert email.status == "pending" and mail.outbox == []

    run_tasks()

    (message,) = mail.outbox
    assert message.to == ["a@example.org"] and message.subject == "Objet"
    assert message.extra_headers["Content-Language"] == "es"
    email.refresh_from_db()
    assert email.status == "sent" and email.sent_at is not None and email.attempts == 1
    assert run_tasks() == 0 and len(mail.outbox) == 1


def test_the_same_cause_is_written_to_an_address_once():
    queue(3, cause="forums.post:1")
    queue(3, cause="forums.post:1")  # the same work done again
    assert OutgoingEmail.objects.count() == 3


def test_a_cancelled_email_is_not_sent(run_tasks):
    queue(2, cause="forums.post:7")
    cancel(cause="forums.post:7")
    run_tasks()
    assert mail.outbox == []
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"cancelled"}


def test_a_server_down_then_up_gets_every_email_once(settings):
    port = free_port()
    settings.MAILERS = smtp_mailer(port)
    addresses = queue(20)

    report = deliver_due()  # nothing listens on the port: connection refused

    assert report["sent"] == 0
    pending = OutgoingEmail.objects.filter(status="pending")
    assert pending.count() == 20  # nothing lost, nothing marked sent
    first = pending.filter(attempts=1).get()  # one try, then the round stopped
    assert "Connection refused" in first.last_error or "ConnectionRefused" in first.last_error
    assert first.next_attempt_at > timezone.now()

    with SMTPServer(port) as server:
        make_due()
        deliver_due()
        assert sorted(server.handler.recipients()) == sorted(addresses)
        make_due()
        deliver_due()  # a second round finds nothing to send again
        assert len(server.handler.recipients()) == 20
    assert OutgoingEmail.objects.filter(status="sent").count() == 20


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_not(settings):
    with SMTPServer() as server:
        settings.MAILERS = server.mailer_settings()
        queue(1, cause="a")
        server.handler.reply = "451 4.7.1 Greylisted, try again later"
        deliver_due()
        email = OutgoingEmail.objects.get()
        assert email.status == "pending" and email.attempts == 1
        assert "451" in email.last_error
        retry_in = email.next_attempt_at - timezone.now()
        assert timedelta(seconds=30) < retry_in <= timedelta(minutes=1)

        server.handler.reply = "550 5.1.1 No such user here"
        make_due()
        deliver_due()
        email.refresh_from_db()
        assert email.status == "failed" and email.attempts == 2
        assert "550" in email.last_error

        server.handler.reply = None
        make_due()
        deliver_due()
        assert server.handler.recipients() == []  # a permanent refusal is not retried


def test_retries_back_off_then_give_up_after_the_retry_period(settings):
    settings.MAILERS = smtp_mailer(free_port())
    queue(1)
    delays = []
    for _ in range(5):
        make_due()
        deliver_due()
        email = OutgoingEmail.objects.get()
        delays.append(round((email.next_attempt_at - timezone.now()).total_seconds() / 60))
    assert delays == [1, 2, 4, 8, 16]

    OutgoingEmail.objects.update(created=timezone.now() - timedelta(days=2, minutes=1))
    make_due()
    deliver_due()
    email = OutgoingEmail.objects.get()
    assert email.status == "failed" and email.attempts == 6


def test_a_hanging_server_stalls_the_queue_for_one_timeout_not_per_email(settings):
    """A server that accepts the connection and never answers: the first email waits for
    the timeout, then the round stops; the others wait for the next round untouched."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    settings.MAILERS = smtp_mailer(listener.getsockname()[1], timeout=1)
    queue(10)
    started = time.monotonic()
    try:
        deliver_due()
    finally:
        listener.close()
    assert time.monotonic() - started < 4
    assert OutgoingEmail.objects.filter(attempts=1).count() == 1
    assert OutgoingEmail.objects.filter(status="pending").count() == 10


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_email(settings):
    with SMTPServer() as server:
        settings.MAILERS = server.mailer_settings()
        addresses = queue(40)
        errors = []

        def work():
            from django.db import connection

            try:
                deliver_due()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(server.handler.recipients()) == sorted(addresses)


def test_staff_see_failed_emails_with_the_error_and_can_retry_them(staff_client, run_tasks):
    queue(1)
    OutgoingEmail.objects.update(status="failed", attempts=9, last_error="SMTPDataError: 554 no")

    page = parse(staff_client.get("/admin/common/outgoingemail/?status__exact=failed"))
    assert "person0@example.org" in text(find(page, "table", id="result_list"))
    email = OutgoingEmail.objects.get()
    detail = text(parse(staff_client.get(f"/admin/common/outgoingemail/{email.pk}/change/")))
    assert "554 no" in detail

    response = staff_client.post(
        "/admin/common/outgoingemail/",
        {"action": "send_again", "_selected_action": [email.pk]},
    )
    assert response.status_code == 302
    run_tasks()
    assert [m.to for m in mail.outbox] == [["person0@example.org"]]


def test_members_cannot_see_the_outbox(member_client):
    assert member_client.get("/admin/common/outgoingemail/").status_code == 302


def test_a_delivery_task_is_enqueued_once_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue(3, cause="x")
        queue(3, cause="y")
    assert DBTaskResult.objects.filter(task_path="common.tasks.deliver_emails").count() == 1
