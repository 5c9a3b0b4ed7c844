"""Writing and publishing blog posts (one transaction each); followers are told on publish."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.translation import current_language
from forums import notifications
from forums.models import BlogPost, BlogPostKind, BlogPostStatus
from forums.services import ForumError, can_post, unique_slug


def _publish(blog_post: BlogPost) -> None:
    """Publish now and save; the author's followers are told once this commits."""
    blog_post.status = BlogPostStatus.PUBLISHED
    blog_post.published_at = timezone.now()
    blog_post.save()
    if blog_post.kind == BlogPostKind.BLOG:
        notifications.blog_post_published(blog_post)


@transaction.atomic
def write_blog_post(
    author,
    *,
    title: str,
    body: str,
    summary: str = "",
    language: str | None = None,
    project=None,
    publish: bool = False,
) -> BlogPost:
    """A new blog post written in ``language`` (default: the page's), a draft unless
    ``publish``."""
    if not can_post(author):
        raise ForumError(_("Confirm your email address before you write."))
    blog_post = BlogPost(author=author, kind=BlogPostKind.BLOG, project=project)
    blog_post.set_text(language or current_language(), title=title, summary=summary, body=body)
    blog_post.slug = unique_slug(BlogPost, title)
    if publish:
        _publish(blog_post)
    else:
        blog_post.save()
    return blog_post


@transaction.atomic
def update_blog_post(
    editor, blog_post: BlogPost, *, publish: bool = False, language: str, **texts
) -> BlogPost:
    """Save the author's changes: ``texts`` (title, summary, body) written in ``language``,
    and the other fields already set on ``blog_post``; ``publish`` a draft."""
    if editor.pk != blog_post.author_id:
        raise ForumError(_("You can only edit your own posts."))
    blog_post.set_text(language, **texts)
    if publish and blog_post.status == BlogPostStatus.DRAFT:
        _publish(blog_post)
    else:
        blog_post.save()
    return blog_post


def before_admin_save(blog_post: BlogPost) -> bool:
    """Staff are saving ``blog_post`` in the admin: stamp the publication date if it is
    being published; says whether it was already published."""
    was_published = (
        blog_post.pk is not None
        and BlogPost.objects.filter(pk=blog_post.pk, status=BlogPostStatus.PUBLISHED).exists()
    )
    if blog_post.status == BlogPostStatus.PUBLISHED and blog_post.published_at is None:
        blog_post.published_at = timezone.now()
    return was_published


def after_admin_save(blog_post: BlogPost, was_published: bool) -> None:
    """Followers hear of a blog post once, when it is first published."""
    if (
        blog_post.status == BlogPostStatus.PUBLISHED
        and not was_published
        and blog_post.kind == BlogPostKind.BLOG
    ):
        notifications.blog_post_published(blog_post)
