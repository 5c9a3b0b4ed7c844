"""Telling staff of events proposed by organisations' representatives, by email.

Like the organisations to verify (``network.notifications``): a digest
(``common.outbox.queue_digest``). The first proposal starts a short wait
(``OUTBOX_DIGEST_WINDOW``) and whatever is proposed meanwhile goes out with it, one email
per reviewer, in their language, listing the proposals waiting (the newest first, at most
``DIGEST_ROWS``, and how many in all) with a link to each and to the admin's queue.

Who is told: the active staff members allowed to decide proposals (the permission to
change "events to review", superusers included).
"""

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from common.outbox import queue_digest
from library.models import Event, ReviewStatus
from network.models import Member
from network.notifications import absolute_url, personal_emails

EVENTS_TO_REVIEW = "library.events-to-review"
DIGEST_ROWS = 20


def reviewers() -> QuerySet[Member]:
    """Who decides proposed events: active staff with the permission, and superusers."""
    may_decide = Permission.objects.filter(
        codename="change_eventproposal", content_type__app_label="library"
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


def proposals_waiting() -> QuerySet[Event]:
    """Events proposed by representatives and waiting for a decision."""
    return Event.objects.filter(status=ReviewStatus.PENDING, proposed_by__isnull=False)


def events_to_review_changed() -> None:
    """An event was proposed: the reviewers are told (a digest), in the caller's
    transaction."""
    queue_digest(EVENTS_TO_REVIEW, _events_to_review_emails)


def _events_to_review_emails() -> list:
    recipients = list(reviewers().order_by("pk"))
    if not recipients:
        return []
    waiting = proposals_waiting()
    proposals = list(
        waiting.select_related("organiser", "proposed_by").order_by("-created", "-pk")[:DIGEST_ROWS]
    )
    if not proposals:
        return []
    count = len(proposals) if len(proposals) < DIGEST_ROWS else waiting.count()

    def context() -> dict:  # under the recipients' language
        return {
            "proposals": [
                {
                    "title": event.title,
                    "organisation_name": event.organiser.name if event.organiser else "",
                    "member_name": event.proposed_by.display_name,
                    "starts_at": event.starts_at.astimezone(event.zone).replace(tzinfo=None),
                    "time_zone": event.time_zone,
                    "created": timezone.localtime(event.created),
                    "url": absolute_url(
                        reverse("admin:library_eventproposal_change", args=[event.pk])
                    ),
                }
                for event in proposals
            ],
            "count": count,
            "more": count - len(proposals),
            "queue_url": absolute_url(reverse("admin:library_eventproposal_changelist")),
        }

    return personal_emails("events/emails/events_to_review", recipients, context)
