"""Every write to blogs and to what members follow, one transaction each, and the rules
that decide them.

Blog posts: written, published and withdrawn here; followers are told on first
publication, and the emails still waiting are withdrawn when a post is hidden or
unpublished. A blog post is a row of its own: each function locks that row (``FOR NO KEY
UPDATE``) before it reads what it changes, and takes no other lock.

Following: a member follows a topic, a forum or someone's blog (``follow``); who starts or
replies to a topic follows it (``follow_own_topic``, on ``forums.signals.post_created``).
Refusals are ``forums.services.ForumError`` and its kinds, shown as the forums show them.
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from blogs import notifications
from blogs.models import BlogPost, BlogPostKind, BlogPostStatus, Subscription
from common.translation import current_language, localized_field
from forums.models import Topic, is_moderator
from forums.services import (
    VERIFY_FIRST,
    EditConflict,
    ForumError,
    NotPermitted,
    can_post,
    edit_conflict_message,
    insert_with_unique_slug,
)
from network.models import Member


def blog_authors_visible_to(viewer):
    """The members ``viewer`` may know as blog authors, and so follow: those whose profile
    they may see, and anyone with a published blog post (its byline is public). Anyone
    else (a hidden profile, an unconfirmed or closed account, staff who never wrote) is
    unknown, exactly like an id that does not exist."""
    published = BlogPost.objects.published().filter(kind=BlogPostKind.BLOG, author=OuterRef("pk"))
    return Member.objects.filter(is_active=True, deleted_at__isnull=True).filter(
        Q(pk__in=Member.objects.visible_to(viewer).values("pk")) | Exists(published)
    )


def lock_blog_post(pk: int) -> BlogPost:
    return BlogPost.objects.select_for_update(no_key=True).get(pk=pk)


def writing_refusal(*, member) -> str:
    """Why ``member`` may not write a blog post ("" when they may)."""
    return "" if can_post(member) else str(VERIFY_FIRST)


def edit_refusal(*, editor, blog_post: BlogPost) -> str:
    """Why ``editor`` may not change ``blog_post`` ("" when they may): only its author, once
    their address is confirmed."""
    if not getattr(editor, "is_authenticated", False) or editor.pk != blog_post.author_id:
        return _("You can only edit your own posts.")
    return writing_refusal(member=editor)


def _holds(blog_post: BlogPost, *, language: str, project, **texts) -> bool:
    """Whether ``blog_post`` is saved with these texts, in ``language``, about ``project``."""
    return (
        blog_post.language == language
        and blog_post.project_id == getattr(project, "pk", None)
        and all(
            (getattr(blog_post, localized_field(name, language)) or "") == value
            for name, value in texts.items()
        )
    )


def _mark_published(blog_post: BlogPost) -> None:
    blog_post.status = BlogPostStatus.PUBLISHED
    blog_post.published_at = timezone.now()


def _published(blog_post: BlogPost) -> None:
    """``blog_post`` was just saved published: the author's followers are told (in this
    transaction)."""
    if blog_post.kind == BlogPostKind.BLOG:
        notifications.blog_post_published(blog_post)


@transaction.atomic
def write_blog_post(
    *,
    author,
    title: str,
    body: str,
    summary: str = "",
    language: str | None = None,
    project=None,
    publish: bool = False,
) -> BlogPost:
    """A new blog post written in ``language`` (default: the page's), a draft unless
    ``publish``."""
    refusal = writing_refusal(member=author)
    if refusal:
        raise NotPermitted(refusal)
    blog_post = BlogPost(author=author, kind=BlogPostKind.BLOG, project=project)
    blog_post.set_text(language or current_language(), title=title, summary=summary, body=body)
    if publish:
        _mark_published(blog_post)
    insert_with_unique_slug(blog_post, title)
    if publish:
        _published(blog_post)
    return blog_post


@transaction.atomic
def update_blog_post(
    *,
    editor,
    blog_post: BlogPost,
    version: int,
    language: str,
    title: str,
    summary: str,
    body: str,
    project=None,
    publish: bool = False,
) -> BlogPost:
    """The author saves their changes (``publish``: and publishes a draft). ``version`` is
    the one they started from: when another save came in between (another tab, another
    device), ``EditConflict`` with the text saved now, and nothing is changed, unless what
    is saved is already what they send (the same form sent twice)."""
    blog_post = lock_blog_post(blog_post.pk)
    refusal = edit_refusal(editor=editor, blog_post=blog_post)
    if refusal:
        raise NotPermitted(refusal)
    publishing = publish and blog_post.status == BlogPostStatus.DRAFT
    if version != blog_post.version:
        if not publishing and _holds(
            blog_post, language=language, project=project, title=title, summary=summary, body=body
        ):
            return blog_post  # already saved as sent (the same form sent twice)
        raise EditConflict(edit_conflict_message(), current=blog_post)
    blog_post.set_text(language, title=title, summary=summary, body=body)
    blog_post.project = project
    blog_post.version += 1
    if publishing:
        _mark_published(blog_post)
    blog_post.save()
    if publishing:
        _published(blog_post)
    return blog_post


def before_admin_save(blog_post: BlogPost) -> bool:
    """Staff are saving ``blog_post`` in the admin (inside its transaction): lock its row,
    count the new version, stamp the publication date if it is being published; says
    whether it was published before."""
    was_published = False
    if blog_post.pk is not None:
        saved = BlogPost.objects.select_for_update(no_key=True).filter(pk=blog_post.pk).first()
        if saved is not None:
            was_published = saved.status == BlogPostStatus.PUBLISHED
            blog_post.version = saved.version + 1
    if blog_post.status == BlogPostStatus.PUBLISHED and blog_post.published_at is None:
        blog_post.published_at = timezone.now()
    return was_published


def after_admin_save(blog_post: BlogPost, was_published: bool) -> None:
    """Followers hear of a blog post once, when it is first published; a post hidden or
    back to draft withdraws its emails still waiting."""
    if blog_post.is_hidden or blog_post.status != BlogPostStatus.PUBLISHED:
        notifications.blog_post_withdrawn(blog_post)
    elif not was_published and blog_post.kind == BlogPostKind.BLOG:
        notifications.blog_post_published(blog_post)


# --- Following -------------------------------------------------------------------------------


def _followed(*, topic=None, forum=None, blog_author=None) -> dict:
    chosen = {"topic": topic, "forum": forum, "blog_author": blog_author}
    chosen = {kind: target for kind, target in chosen.items() if target is not None}
    if len(chosen) != 1:
        raise ValueError("Follow one thing: a topic, a forum or a blog author.")
    return chosen


@transaction.atomic
def follow(*, member, topic=None, forum=None, blog_author=None) -> Subscription:
    """``member`` follows a topic, a forum or someone's blog (twice is still once)."""
    target = _followed(topic=topic, forum=forum, blog_author=blog_author)
    if not can_post(member):
        raise NotPermitted(VERIFY_FIRST)
    if blog_author is not None and blog_author.pk == member.pk:
        raise ForumError(_("You cannot follow your own blog."))
    if topic is not None and topic.is_hidden and not is_moderator(member):
        raise NotPermitted(_("This topic is not available."))
    try:
        with transaction.atomic():
            return Subscription.objects.get_or_create(member=member, **target)[0]
    except IntegrityError:  # the same button pressed twice at once
        return Subscription.objects.get(member=member, **target)


def unfollow(*, member, topic=None, forum=None, blog_author=None) -> None:
    Subscription.objects.filter(
        member=member, **_followed(topic=topic, forum=forum, blog_author=blog_author)
    ).delete()


def follow_own_topic(*, member, topic: Topic) -> None:
    """Who starts or replies to a topic follows it (is emailed its next replies), unless
    their profile says not to (``Member.follow_own_topics``). Replying follows again a
    topic left before: the profile setting is the way to stop it. Called inside the
    transaction that saved the post."""
    if not member.follow_own_topics:
        return
    try:
        with transaction.atomic():
            Subscription.objects.get_or_create(member=member, topic=topic)
    except IntegrityError:  # followed at this very instant by the button
        pass


def on_post_created(sender, *, post, opened_topic: bool, **kwargs) -> None:
    """``forums.signals.post_created``, inside the transaction that saved ``post``: its
    author follows the topic, then the topic's and the forum's followers are told."""
    follow_own_topic(member=post.author, topic=post.topic)
    notifications.post_created(post, opened_topic=opened_topic)
