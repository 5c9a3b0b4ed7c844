"""Rows that make side effects safe: the outbox of emails and the record of forms already
submitted. They know no domain: what caused an email is a free-form ``cause`` key."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutgoingEmail(models.Model):
    """One email to one recipient, written in the transaction of what causes it (a post, a
    decision, a sign-up) and sent by the worker exactly once (``common.outbox``)."""

    to = models.EmailField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    cause = models.CharField(
        _("cause"),
        max_length=100,
        blank=True,
        help_text=_(
            "What the email is about, e.g. “forums.post:12”: one email per cause and address."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutgoingEmailStatus.choices,
        default=OutgoingEmailStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cause", "to"],
                condition=~Q(cause=""),
                name="outgoing_email_once_per_cause",
                violation_error_message=_("This address is already told about this."),
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="outgoing_email_due",
            ),
            models.Index(fields=["cause"], condition=~Q(cause=""), name="outgoing_email_cause"),
        ]

    def __str__(self):
        return f"{self.to}: {self.subject}"


class FormSubmission(models.Model):
    """A form that creates something, already submitted: the token it carried and the page
    of what it created, so that the same form posted again (a double click, a reload)
    lands there instead of creating it twice (``common.idempotency``)."""

    token = models.UUIDField(primary_key=True, default=uuid.uuid4)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    result_url = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return str(self.token)


class RateCount(models.Model):
    """Requests counted against a rate limit (``common.throttling``) when no Redis is
    configured: one row per limit and client, counting in a window that starts with the
    client's first request. The table is unlogged (no write-ahead log: a crash forgets the
    counts, which costs nothing) and the counting itself sweeps rows whose window ended."""

    key = models.CharField(primary_key=True, max_length=255)
    count = models.PositiveIntegerField(default=1)
    # When the window ends, in seconds since the epoch.
    window_ends = models.FloatField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count}"
