"""Every write to forums that touches more than one row, in one transaction each.

Topic counters (post_count, last_post, last_activity) are recomputed here and only here,
from the visible posts, so they stay right whatever happens: a reply, a hidden or moved
post, an account anonymised.
"""

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common.translation import current_language
from forums import notifications
from forums.models import (
    Forum,
    Post,
    PostRevision,
    Topic,
    TopicKind,
    is_moderator,
    random_slug_suffix,
)


class ForumError(Exception):
    """An action the rules refuse; its message is shown to the person."""


def unique_slug(model, title: str) -> str:
    base = slugify(title)[:200] or "topic"
    slug = base
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{random_slug_suffix()}"
    return slug


def refresh_topic(topic: Topic) -> None:
    """Recount a topic's visible posts and find its last one."""
    visible = Post.objects.filter(topic=topic, is_hidden=False)
    figures = visible.aggregate(count=Count("id"), last=Max("created"))
    last_post = visible.order_by("-created", "-id").first()
    Topic.objects.filter(pk=topic.pk).update(
        post_count=figures["count"],
        last_post=last_post,
        last_activity=figures["last"] or topic.created,
    )
    topic.refresh_from_db(fields=["post_count", "last_post", "last_activity"])


def can_post(member) -> bool:
    """Verified members may write; so may moderators."""
    return bool(
        getattr(member, "is_authenticated", False)
        and member.is_active
        and (member.has_verified_email or is_moderator(member))
    )


@transaction.atomic
def start_topic(
    author, forum: Forum, title: str, body: str, language: str | None = None, **links
) -> Topic:
    """A new topic and its first post, written in ``language`` (default: the page's).
    ``links``: project, country, theme, and for an e-discussion (moderators only) kind,
    starts_at, ends_at, guiding_questions, moderator."""
    language = language or current_language()
    if not can_post(author):
        raise ForumError(_("Confirm your email address before you write."))
    if links.get("kind") == TopicKind.EDISCUSSION and not is_moderator(author):
        raise ForumError(_("Only moderators open e-discussions."))
    now = timezone.now()
    topic = Topic.objects.create(
        forum=forum,
        title=title,
        slug=unique_slug(Topic, title),
        language=language,
        author=author,
        created=now,
        last_activity=now,
        **links,
    )
    post = Post.objects.create(
        topic=topic, author=author, body=body, language=language, created=now
    )
    refresh_topic(topic)
    notifications.post_created(post)
    return topic


@transaction.atomic
def reply(author, topic: Topic, body: str, language: str | None = None) -> Post:
    """A reply written in ``language`` (default: the page's)."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if not can_post(author):
        raise ForumError(_("Confirm your email address before you write."))
    if topic.is_hidden and not is_moderator(author):
        raise ForumError(_("This topic is not available."))
    if topic.is_locked:
        raise ForumError(_("This topic is locked: it takes no more replies."))
    if topic.is_ediscussion and not topic.is_open():
        raise ForumError(_("This e-discussion is not open for contributions now."))
    post = Post.objects.create(
        topic=topic, author=author, body=body, language=language or current_language()
    )
    refresh_topic(topic)
    notifications.post_created(post)
    return post


@transaction.atomic
def edit_post(editor, post: Post, body: str, language: str | None = None) -> Post:
    """The author (or a moderator) changes a post (its text, or the language it is marked
    as written in); the previous text is kept."""
    if editor.pk != post.author_id and not is_moderator(editor):
        raise ForumError(_("You can only edit your own posts."))
    language = language or post.language
    if body == post.body and language == post.language:
        return post
    if body != post.body:
        PostRevision.objects.create(post=post, body=post.body, edited_by=editor)
        post.edited_at = timezone.now()
    post.body = body
    post.language = language
    post.save()
    return post


def _require_moderator(member) -> None:
    if not is_moderator(member):
        raise ForumError(_("Only moderators can do this."))


@transaction.atomic
def hide_post(moderator, post: Post, reason: str) -> None:
    _require_moderator(moderator)
    if not reason.strip():
        raise ForumError(_("Say why the post is hidden."))
    post.is_hidden = True
    post.hidden_by = moderator
    post.hidden_at = timezone.now()
    post.hidden_reason = reason.strip()
    post.save(update_fields=["is_hidden", "hidden_by", "hidden_at", "hidden_reason"])
    refresh_topic(post.topic)


@transaction.atomic
def unhide_post(moderator, post: Post) -> None:
    _require_moderator(moderator)
    post.is_hidden = False
    post.save(update_fields=["is_hidden"])
    refresh_topic(post.topic)


@transaction.atomic
def set_topic_state(moderator, topic: Topic, *, locked=None, pinned=None, hidden=None) -> None:
    _require_moderator(moderator)
    for field, value in (("is_locked", locked), ("is_pinned", pinned), ("is_hidden", hidden)):
        if value is not None:
            setattr(topic, field, value)
    topic.save(update_fields=["is_locked", "is_pinned", "is_hidden"])


@transaction.atomic
def move_topic(moderator, topic: Topic, forum: Forum) -> None:
    _require_moderator(moderator)
    topic.forum = forum
    topic.save(update_fields=["forum"])


@transaction.atomic
def member_anonymised(member) -> None:
    """After an account is deleted: its posts stay (shown as "former member"); counters of
    the topics it wrote in are recomputed so they stay right."""
    for topic in Topic.objects.filter(Q(posts__author=member)).distinct():
        refresh_topic(topic)


# --- Flags: members report posts, moderators deal with the reports ---------------------------


@transaction.atomic
def flag_post(member, post: Post, reason: str):
    """A member reports a post to the moderators; one open flag per member and post."""
    from django.db import IntegrityError

    from forums.models import Flag

    if not can_post(member):
        raise ForumError(_("Confirm your email address before you flag a post."))
    if post.author_id == member.pk:
        raise ForumError(_("You cannot flag your own post."))
    if (post.is_hidden or post.topic.is_hidden) and not is_moderator(member):
        raise ForumError(_("This post is not available."))
    reason = reason.strip()
    if not reason:
        raise ForumError(_("Say what is wrong with this post."))
    already = _("You have already flagged this post: moderators will look at it.")
    if Flag.objects.filter(post=post, reporter=member, resolved_at__isnull=True).exists():
        raise ForumError(already)
    try:
        with transaction.atomic():
            return Flag.objects.create(post=post, reporter=member, reason=reason)
    except IntegrityError:  # the same flag sent twice at once
        raise ForumError(already) from None


@transaction.atomic
def resolve_flag(moderator, flag, hide: bool, resolution: str) -> None:
    """A moderator deals with a flag: hides the post (``resolution`` is then the reason,
    and every open flag on that post is resolved with it) or dismisses the flag."""
    from forums.models import Flag

    _require_moderator(moderator)
    flag = Flag.objects.select_for_update().select_related("post__topic").get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise ForumError(_("This flag has already been dealt with."))
    resolution = resolution.strip()
    resolved = Flag.objects.filter(pk=flag.pk)
    if hide:
        if not resolution:
            raise ForumError(_("Say why the post is hidden."))
        if not flag.post.is_hidden:
            hide_post(moderator, flag.post, resolution)
        resolved = Flag.objects.filter(post=flag.post, resolved_at__isnull=True)
    resolved.update(resolved_at=timezone.now(), resolved_by=moderator, resolution=resolution)


def may_write_summary(member, topic: Topic) -> bool:
    """Who writes an e-discussion's summary: its named moderator, or staff."""
    return bool(
        getattr(member, "is_authenticated", False)
        and member.is_active
        and topic.is_ediscussion
        and (member.is_staff or topic.moderator_id == member.pk)
    )
