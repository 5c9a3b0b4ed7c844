"""Background tasks of the helpers that know no domain."""

from django.tasks import task

from common.outbox import deliver_due


@task
def deliver_emails() -> dict:
    """Send what the outbox holds (woken after each commit that queued emails, and every
    round of the worker for retries). What is left when time is up goes to a next task."""
    report = deliver_due(time_limit=60.0)
    if report["left"] and not report["retry"]:
        deliver_emails.enqueue()
    return dict(report)
