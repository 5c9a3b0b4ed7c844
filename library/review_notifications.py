"""Telling staff of resources shared by members and waiting for review, by email.

Like the organisations to verify (``network.notifications``): a digest
(``common.outbox.queue_digest``). The first submission starts a short wait
(``OUTBOX_DIGEST_WINDOW``) and whatever is shared meanwhile goes out with it, one email per
reviewer, in their language, listing the resources waiting (the newest first, at most
``DIGEST_ROWS``, and how many in all) with a link to each and to the admin's queue.

Who is told: the active staff members allowed to decide submissions (the permission to
change "resources to review", superusers included).
"""

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from common.outbox import queue_digest
from library.models import Resource, ReviewStatus
from network.models import Member
from network.notifications import absolute_url, personal_emails

RESOURCES_TO_REVIEW = "library.resources-to-review"
DIGEST_ROWS = 20


def reviewers() -> QuerySet[Member]:
    """Who decides shared resources: active staff with the permission, and superusers."""
    may_decide = Permission.objects.filter(
        codename="change_resourcesubmission", content_type__app_label="library"
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


def submissions_waiting() -> QuerySet[Resource]:
    """Resources shared by members and waiting for a decision."""
    return Resource.objects.filter(status=ReviewStatus.PENDING, shared_by__isnull=False)


def resources_to_review_changed() -> None:
    """A resource was shared: the reviewers are told (a digest), in the caller's
    transaction."""
    queue_digest(RESOURCES_TO_REVIEW, _resources_to_review_emails)


def _resources_to_review_emails() -> list:
    recipients = list(reviewers().order_by("pk"))
    if not recipients:
        return []
    waiting = submissions_waiting()
    resources = list(waiting.select_related("shared_by").order_by("-created", "-pk")[:DIGEST_ROWS])
    if not resources:
        return []
    count = len(resources) if len(resources) < DIGEST_ROWS else waiting.count()

    def context() -> dict:  # under the recipients' language
        return {
            "resources": [
                {
                    "title": resource.title,
                    "kind": resource.get_kind_display(),
                    "member_name": resource.shared_by.display_name,
                    "created": timezone.localtime(resource.created),
                    "url": absolute_url(
                        reverse("admin:library_resourcesubmission_change", args=[resource.pk])
                    ),
                }
                for resource in resources
            ],
            "count": count,
            "more": count - len(resources),
            "queue_url": absolute_url(reverse("admin:library_resourcesubmission_changelist")),
        }

    return personal_emails("library/emails/resources_to_review", recipients, context)
