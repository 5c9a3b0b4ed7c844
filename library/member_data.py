"""What the library does with a member's data: export it, and remove what goes with the
account (registered in ``library.apps``; see ``network.accounts``)."""

from library.models import (
    Attendance,
    Event,
    LibraryFollow,
    Resource,
    ResourceFile,
    ReviewStatus,
)
from library.services import delete_stored_files_on_commit


def member_library(member) -> dict:
    """For the member's JSON export: the resources they shared (with what became of each),
    what they follow in the library, and the events they said they would attend."""
    return {
        "shared_resources": [
            {
                "title": resource.title,
                "address": resource.get_absolute_url(),
                "status": resource.status,
                "refusal_reason": resource.refusal_reason,
                "shared": resource.created,
                "published": resource.published_at,
                "link": resource.url,
                "files": [
                    {"name": file.original_name, "language": file.language, "size": file.size}
                    for file in resource.files.all()
                ],
            }
            for resource in Resource.objects.filter(shared_by=member)
            .prefetch_related("files")
            .order_by("created", "pk")
        ],
        "follows": [
            {"theme": follow.theme.name, "since": follow.created}
            if follow.theme_id
            else {"country": follow.country.code, "since": follow.created}
            for follow in LibraryFollow.objects.filter(member=member)
            .select_related("theme")
            .order_by("created", "pk")
        ],
        "attendances": [
            {
                "event": attendance.event.title,
                "address": attendance.event.get_absolute_url(),
                "starts": attendance.event.starts_at,
                "since": attendance.created,
            }
            for attendance in Attendance.objects.filter(member=member)
            .select_related("event")
            .order_by("created", "pk")
        ],
        # The events they proposed for their organisation, and what became of each.
        "proposed_events": [
            {
                "title": event.title,
                "address": event.get_absolute_url() if event.is_published else "",
                "organisation": event.organiser.name if event.organiser_id else "",
                "starts": event.starts_at,
                "time_zone": event.time_zone,
                "status": event.status,
                "refusal_reason": event.refusal_reason,
                "proposed": event.created,
            }
            for event in Event.objects.filter(proposed_by=member)
            .select_related("organiser")
            .order_by("created", "pk")
        ],
    }


def on_account_deleted(sender, member, **kwargs) -> None:
    """Published resources stay, shared by "Former member"; submissions not published
    (waiting or refused) go, with their files, and so do follows and attendances."""
    LibraryFollow.objects.filter(member=member).delete()
    Attendance.objects.filter(member=member).delete()
    # Events they proposed: published ones stay (their organisation's); the others go.
    Event.objects.filter(proposed_by=member).exclude(status=ReviewStatus.PUBLISHED).delete()
    unpublished = Resource.objects.filter(shared_by=member).exclude(status=ReviewStatus.PUBLISHED)
    delete_stored_files_on_commit(ResourceFile.objects.filter(resource__in=unpublished))
    unpublished.delete()
