"""The outbox: every email the portal sends is first a row (``OutgoingEmail``) written in
the transaction of what causes it, then sent by the background worker, once.

Why: an email sent from a request or a task is lost when the process dies or the mail
server is down, and sent twice when the work is done again. A row written with the post
(or the decision, the sign-up) exists exactly when what it announces exists; the worker
claims one row at a time (``FOR UPDATE SKIP LOCKED``, so several workers share the work),
sends it and marks it sent in the same transaction. A worker killed mid-batch leaves its
row unclaimed (its transaction rolls back): the next worker sends it and what is left,
never what was already marked sent. The one window left is a worker killed after the mail
server accepted a message and before the row was marked: each message carries a
Message-ID made from its row, so a resend is recognisable as the same message.

A failed send is retried with growing delays (1 minute, doubling, at most 3 hours) for
``OUTBOX_RETRY_FOR`` (two days by default), then marked failed, with the error, for staff
to see in the admin. A permanent refusal (an SMTP 5xx reply about the message or its
address) is not retried. When the server itself cannot be reached (refused, timed out,
disconnected, authentication refused), the batch stops at once: the other rows wait for
the next round instead of each waiting for the same timeout.

``cause`` names what an email is about (``"forums.post:12"``): an address is written to
once per cause (a unique constraint), so work done again cannot queue it twice, and
``cancel`` withdraws what is still waiting when the cause is withdrawn (a post hidden).

A digest (``queue_digest``) gathers what happens within a short while into one email per
address (staff told of flags, of organisations to verify): the first event writes its row
due ``OUTBOX_DIGEST_WINDOW`` seconds later (not before), and each event until then
rewrites that row, still waiting, with what is waiting now. Writers of one kind of digest
take turns (a transaction-level advisory lock), so each reads what the one before it
committed and none writes a digest missing an event. An event that comes as its row is
being sent starts the next one.
"""

import email.policy
import logging
import smtplib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from common.models import OutgoingEmail, OutgoingEmailStatus
from common.transactions import on_commit_once

logger = logging.getLogger(__name__)

FIRST_RETRY_DELAY = timedelta(minutes=1)
LONGEST_RETRY_DELAY = timedelta(hours=3)


def retry_period() -> timedelta:
    return timedelta(seconds=getattr(settings, "OUTBOX_RETRY_FOR", 2 * 24 * 3600))


def digest_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "OUTBOX_DIGEST_WINDOW", 300))


# --- Writing to the outbox ------------------------------------------------------------------


def queue_emails(emails: Iterable[OutgoingEmail]) -> int:
    """Write ``emails`` (unsaved rows) to the outbox, in the caller's transaction; the
    worker is woken once it commits. An address already written to about the same cause
    is skipped. Returns how many rows were given."""
    emails = list(emails)
    if not emails:
        return 0
    OutgoingEmail.objects.bulk_create(emails, batch_size=500, ignore_conflicts=True)
    wake_worker_on_commit()
    return len(emails)


def queue_message(message, *, language: str, cause: str = "") -> int:
    """Queue an ``EmailMessage`` made by a library (allauth renders its own): one row per
    recipient, with its text and HTML bodies, reply-to and extra headers."""
    html_body = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    return queue_emails(
        OutgoingEmail(
            to=address,
            language=language,
            subject=message.subject,
            body=message.body,
            html_body=html_body,
            reply_to=list(message.reply_to),
            headers=dict(message.extra_headers),
            cause=cause,
        )
        for address in [*message.to, *message.cc, *message.bcc]
    )


def queue_digest(kind: str, write: Callable[[], Iterable[OutgoingEmail]]) -> int:
    """Gather the events of ``kind`` that come within ``digest_window()`` into one email
    per address; called in the transaction of each event. Returns how many rows were
    written or rewritten.

    ``write()`` gives the digest as it stands now (unsaved rows, one per address, telling
    what is waiting). Where a digest of ``kind`` to that address is still waiting, its
    content becomes this one; otherwise a new row is written, due at the end of the
    window, under the cause ``kind:<time>``. ``write()`` is called once the writers of
    ``kind`` before this one have committed: it reads every event they wrote."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('common.outbox.digest'), hashtext(%s))",
                [kind],
            )
        now = timezone.now()
        new, count = [], 0
        for email in write():
            # A row the worker is sending is locked: this waits for it, finds it sent,
            # and a new digest is begun.
            rewritten = OutgoingEmail.objects.filter(
                status=OutgoingEmailStatus.PENDING, to=email.to, cause__startswith=f"{kind}:"
            ).update(
                language=email.language,
                subject=email.subject,
                body=email.body,
                html_body=email.html_body,
                reply_to=email.reply_to,
                headers=email.headers,
            )
            if not rewritten:
                email.cause = f"{kind}:{now:%Y%m%dT%H%M%S.%f}"
                email.next_attempt_at = now + digest_window()
                new.append(email)
            count += 1
        if new:
            OutgoingEmail.objects.bulk_create(new, ignore_conflicts=True)
            transaction.on_commit(partial(_wake_worker, at=new[0].next_attempt_at), robust=True)
    return count


def cancel(*, cause: str = "", cause_prefix: str = "", keep_to=()) -> int:
    """Withdraw the emails still waiting about ``cause`` (or every cause starting with
    ``cause_prefix``): what they announce is gone. ``keep_to``: addresses (a list or a
    query of addresses) that are still to be told."""
    if not (cause or cause_prefix):
        raise ValueError("cancel: say which cause (cause=… or cause_prefix=…).")
    waiting = OutgoingEmail.objects.filter(status=OutgoingEmailStatus.PENDING)
    waiting = (
        waiting.filter(cause=cause) if cause else waiting.filter(cause__startswith=cause_prefix)
    )
    return waiting.exclude(to__in=keep_to).update(status=OutgoingEmailStatus.CANCELLED)


def retry_failed(emails) -> int:
    """Staff try failed emails again (the address corrected, the server fixed): they are
    due at once, with a new retry period."""
    count = emails.filter(status=OutgoingEmailStatus.FAILED).update(
        status=OutgoingEmailStatus.PENDING, next_attempt_at=timezone.now(), created=timezone.now()
    )
    if count:
        wake_worker_on_commit()
    return count


def wake_worker_on_commit() -> None:
    """Enqueue one delivery task when the current transaction commits (at once outside
    one), however many emails it queued."""
    on_commit_once(_wake_worker)


def _wake_worker(at=None) -> None:
    """A delivery task, now or at ``at`` (the worker's round would send those due then
    anyway, a little later)."""
    from common.tasks import deliver_emails

    (deliver_emails.using(run_after=at) if at else deliver_emails).enqueue()


# --- Emails written by the worker ------------------------------------------------------------

# What becomes many emails is written by the worker, not by the request that causes it: the
# request writes one row of its own (a new post's followers to tell, blogs.FollowerNotice),
# and a writer registered here turns it into the outbox's rows, in one transaction that
# also deletes it. The delivery task calls each writer before it sends, with the seconds
# it may take; a writer returns whether it left work for the next round.
_writers: list[Callable[[float], bool]] = []


def register_writer(writer: Callable[[float], bool]) -> None:
    if writer not in _writers:
        _writers.append(writer)


def write_pending(*, time_limit: float) -> bool:
    """Run every registered writer within ``time_limit`` seconds; True when work is left."""
    deadline = time.monotonic() + time_limit
    left = False
    for writer in _writers:
        left = writer(max(0.0, deadline - time.monotonic())) or left
    return left


# --- Sending --------------------------------------------------------------------------------


class ServerUnreachable(Exception):
    """The mail server cannot be reached or refuses us as a client: stop this round."""


def deliver_due(*, time_limit: float = 60.0) -> Counter:
    """Send the emails that are due, one row per transaction, for at most ``time_limit``
    seconds. Returns how many were sent, retried later, failed for good, and whether
    rows were left for another round (``"left"``)."""
    report = Counter()
    deadline = time.monotonic() + time_limit
    mailer = mailers.default
    try:
        while True:
            if time.monotonic() >= deadline:
                report["left"] = int(_due().exists())
                break
            with transaction.atomic():
                email = _due().select_for_update(skip_locked=True).first()
                if email is None:
                    break
                try:
                    outcome = _send(email, mailer)
                except ServerUnreachable:
                    report["retry"] += 1
                    report["left"] = 1
                    break
                report[outcome] += 1
    finally:
        try:
            mailer.close()
        except (smtplib.SMTPException, OSError):
            pass
    return report


def _due():
    return OutgoingEmail.objects.filter(
        status=OutgoingEmailStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")


def _send(email: OutgoingEmail, mailer) -> str:
    """Send one claimed row and record what happened; ``ServerUnreachable`` after the
    attempt is recorded when the server itself failed."""
    message = as_message(email)
    try:
        sent = mailer.send_messages([message])
    except smtplib.SMTPAuthenticationError as error:
        _schedule_retry(email, error)
        raise ServerUnreachable from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reason in error.recipients.values()]
        return _refused(email, error, permanent=all(code >= 500 for code in codes))
    except smtplib.SMTPResponseException as error:
        if error.smtp_code in (421,):  # the server is closing the connection
            _schedule_retry(email, error)
            mailer.close()
            raise ServerUnreachable from error
        return _refused(email, error, permanent=error.smtp_code >= 500)
    except (smtplib.SMTPException, OSError) as error:
        # Refused connection, timeout, disconnection: the server, not this message.
        _schedule_retry(email, error)
        try:
            mailer.close()
        except (smtplib.SMTPException, OSError):
            pass
        raise ServerUnreachable from error
    if not sent:
        return _refused(email, "The mail backend sent nothing.", permanent=False)
    email.status = OutgoingEmailStatus.SENT
    email.sent_at = timezone.now()
    email.attempts = F("attempts") + 1
    email.last_error = ""
    email.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return "sent"


def _refused(email: OutgoingEmail, error, *, permanent: bool) -> str:
    if permanent:
        _fail(email, error)
        return "failed"
    return _schedule_retry(email, error)


def _schedule_retry(email: OutgoingEmail, error) -> str:
    now = timezone.now()
    attempts = email.attempts + 1
    if now - email.created >= retry_period():
        _fail(email, error)
        return "failed"
    delay = min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), LONGEST_RETRY_DELAY)
    email.attempts = attempts
    email.next_attempt_at = now + delay
    email.last_error = _describe(error)
    email.save(update_fields=["attempts", "next_attempt_at", "last_error"])
    logger.warning(
        "Email %s to %s not sent, retrying at %s: %s",
        email.pk,
        email.to,
        email.next_attempt_at,
        email.last_error,
    )
    return "retry"


def _fail(email: OutgoingEmail, error) -> None:
    email.attempts = email.attempts + 1
    email.status = OutgoingEmailStatus.FAILED
    email.last_error = _describe(error)
    email.save(update_fields=["attempts", "status", "last_error"])
    logger.error("Email %s to %s failed: %s", email.pk, email.to, email.last_error)


def _describe(error) -> str:
    if isinstance(error, str):
        return error
    return f"{type(error).__name__}: {error}"[:2000]


class OutboxMessage(EmailMultiAlternatives):
    """Keeps a header holding one long URL (``List-Unsubscribe``) on one line: folded at
    78 characters, Python would turn it into encoded words, which mail clients ignore.
    RFC 5322 allows lines up to 998 characters."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def as_message(email: OutgoingEmail) -> OutboxMessage:
    """The email of a row, with a Message-ID of its own (the same at every attempt)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    message = OutboxMessage(
        subject=email.subject,
        body=email.body,
        to=[email.to],
        reply_to=list(email.reply_to or []),
        headers={
            "Content-Language": email.language,
            "Message-ID": f"<outbox-{email.pk}.{email.created:%Y%m%d%H%M%S}@{domain}>",
            **(email.headers or {}),
        },
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message
