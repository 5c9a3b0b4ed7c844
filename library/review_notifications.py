"""Telling staff of what waits in the library's review queues, by email: resources shared
by members, events proposed by organisations' representatives.

Like the organisations to verify (``network.notifications``): a digest per queue
(``common.outbox.queue_digest``). The first item starts a short wait
(``OUTBOX_DIGEST_WINDOW``) and whatever comes meanwhile goes out with it, one email per
reviewer, in their language, listing what waits (the newest first, at most
``DIGEST_ROWS``, and how many in all) with a link to each and to the admin's queue.

Who is told: the active staff members allowed to decide that queue (the permission to
change its proxy model, "resources to review" or "events to review"; superusers
included).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from common.outbox import queue_digest
from library.models import Event, Resource, ReviewStatus
from network.models import Member
from network.notifications import absolute_url, personal_emails

DIGEST_ROWS = 20


@dataclass(frozen=True)
class ReviewQueue:
    digest: str  # the outbox's kind of digest
    proxy: str  # the admin's queue: the proxy model's name
    waiting: Callable[[], QuerySet]
    related: tuple[str, ...]  # read with each row
    row: Callable[[object], dict]  # what the email says of one row
    rows_name: str  # its name in the template's context
    template: str


def _resource_row(resource) -> dict:
    return {
        "title": resource.title,
        "kind": resource.get_kind_display(),
        "member_name": resource.shared_by.display_name,
    }


def _event_row(event) -> dict:
    return {
        "title": event.title,
        "organisation_name": event.organiser.name if event.organiser else "",
        "member_name": event.proposed_by.display_name,
        "starts_at": event.starts_at.astimezone(event.zone).replace(tzinfo=None),
        "time_zone": event.time_zone,
    }


RESOURCES = ReviewQueue(
    digest="library.resources-to-review",
    proxy="resourcesubmission",
    waiting=lambda: Resource.objects.filter(status=ReviewStatus.PENDING, shared_by__isnull=False),
    related=("shared_by",),
    row=_resource_row,
    rows_name="resources",
    template="library/emails/resources_to_review",
)
EVENTS = ReviewQueue(
    digest="library.events-to-review",
    proxy="eventproposal",
    waiting=lambda: Event.objects.filter(status=ReviewStatus.PENDING, proposed_by__isnull=False),
    related=("organiser", "proposed_by"),
    row=_event_row,
    rows_name="proposals",
    template="events/emails/events_to_review",
)


def reviewers(queue: ReviewQueue) -> QuerySet[Member]:
    """Who decides ``queue``: active staff with the permission, and superusers."""
    may_decide = Permission.objects.filter(
        codename=f"change_{queue.proxy}", content_type__app_label="library"
    )
    return (
        Member.objects.filter(is_active=True, is_staff=True, deleted_at__isnull=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=may_decide)
            | Q(groups__permissions__in=may_decide)
        )
        .distinct()
    )


def resources_to_review_changed() -> None:
    """A resource was shared: the reviewers are told (a digest), in the caller's
    transaction."""
    queue_digest(RESOURCES.digest, partial(_emails, RESOURCES))


def events_to_review_changed() -> None:
    """An event was proposed: the reviewers are told (a digest), in the caller's
    transaction."""
    queue_digest(EVENTS.digest, partial(_emails, EVENTS))


def _emails(queue: ReviewQueue) -> list:
    recipients = list(reviewers(queue).order_by("pk"))
    if not recipients:
        return []
    waiting = queue.waiting()
    rows = list(waiting.select_related(*queue.related).order_by("-created", "-pk")[:DIGEST_ROWS])
    if not rows:
        return []
    count = len(rows) if len(rows) < DIGEST_ROWS else waiting.count()

    def context() -> dict:  # under the recipients' language
        return {
            queue.rows_name: [
                {
                    **queue.row(row),
                    "created": timezone.localtime(row.created),
                    "url": absolute_url(
                        reverse(f"admin:library_{queue.proxy}_change", args=[row.pk])
                    ),
                }
                for row in rows
            ],
            "count": count,
            "more": count - len(rows),
            "queue_url": absolute_url(reverse(f"admin:library_{queue.proxy}_changelist")),
        }

    return personal_emails(queue.template, recipients, context)
