"""What forums do with a member's data: export it, and keep threads whole on deletion."""

from forums import services
from forums.models import BlogPost, BlogPostStatus, Post, Subscription, Topic


def member_writings(member) -> dict:
    """For the member's JSON export: everything they wrote and follow."""
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
        "blog_posts": [
            {
                "title": b.title,
                "kind": b.kind,
                "status": b.status,
                "text": b.body,
                "published": b.published_at,
            }
            for b in BlogPost.objects.filter(author=member).order_by("created")
        ],
        "subscriptions": [
            str(s.topic or s.forum or s.blog_author)
            for s in Subscription.objects.filter(member=member).select_related(
                "topic", "forum", "blog_author"
            )
        ],
    }


def on_account_deleted(sender, member, **kwargs) -> None:
    """Posts and published blog posts stay, signed "Former member"; drafts and follows go."""
    Subscription.objects.filter(member=member).delete()
    Subscription.objects.filter(blog_author=member).delete()
    BlogPost.objects.filter(author=member, status=BlogPostStatus.DRAFT).delete()
    services.member_anonymised(member=member)
