"""What forums do with a member's data: export it, and keep threads whole on deletion."""

from forums import services
from forums.models import Post, Topic


def member_writings(member) -> dict:
    """For the member's JSON export: the topics and posts they wrote."""
    return {
        "topics": [
            {"title": t.title, "url": t.get_absolute_url(), "created": t.created}
            for t in Topic.objects.filter(author=member).order_by("created")
        ],
        "posts": [
            {
                "topic": p.topic.title,
                "url": p.get_absolute_url(),
                "text": p.body,
                "written": p.created,
                "edited": p.edited_at,
                "hidden_by_moderator": p.is_hidden,
            }
            for p in Post.objects.filter(author=member).select_related("topic").order_by("created")
        ],
    }


def on_account_deleted(sender, member, **kwargs) -> None:
    """Posts stay, signed "Former member"; the counters of their topics are recounted."""
    services.member_anonymised(member=member)
