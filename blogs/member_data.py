"""What blogs do with a member's data: export it, and remove what goes with the account."""

from blogs.models import BlogPost, BlogPostStatus, Subscription


def member_blogs(member) -> dict:
    """For the member's JSON export: the blog posts they wrote and what they follow."""
    return {
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
    """Published blog posts stay, signed "Former member"; drafts and follows go, and so do
    the follows of the member's blog."""
    Subscription.objects.filter(member=member).delete()
    Subscription.objects.filter(blog_author=member).delete()
    BlogPost.objects.filter(author=member, status=BlogPostStatus.DRAFT).delete()
