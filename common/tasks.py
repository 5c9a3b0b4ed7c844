"""Background tasks of the helpers that know no domain."""

from django.tasks import task

from common.outbox import deliver_due, write_pending


@task
def deliver_emails() -> dict:
    """Write the emails that wait to be written (common.outbox.register_writer), then send
    what the outbox holds (woken after each commit that queued emails, and every round of
    the worker for retries). What is left when time is up goes to a next task."""
    writing_left = write_pending(time_limit=30.0)
    report = deliver_due(time_limit=60.0)
    if writing_left or (report["left"] and not report["retry"]):
        deliver_emails.enqueue()
    return dict(report)
