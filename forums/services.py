"""Every write to the forums, one transaction each, and the rules that decide them.

Views and the admin ask the functions here (``posting_refusal``, ``edit_refusal``…) what a
person may do, call them to do it, and show their refusals (``ForumError`` and its kinds);
they never decide a rule themselves.

Topic counters (post_count, last_post, last_activity) are recomputed here and only here,
from the visible posts, so they stay right whatever happens: a reply, a hidden or moved
post, an account anonymised.

Lock order
----------
A thread is locked through its topic. A function here that changes a topic, one of its
posts or one of their flags takes its row locks in this order, and never another:

1. the topic (``lock_topic``; several topics: by ascending id);
2. then its posts (``lock_post``; several: by ascending id);
3. then the flags of those posts (by ascending id).

Every writer of a thread therefore queues on the topic's row before it touches anything
else of the thread, and no two writers can each hold what the other waits for. Forums are
never locked for update: they carry no counter, and creating or moving a topic only takes
the key-share lock of its foreign key, which no lock taken here conflicts with (a function
that one day needs a forum's row locks it before any topic). The locks are ``FOR NO KEY
UPDATE``: rows that merely point at a topic or a post (a new reply, a read mark, a
subscription, a flag) do not wait for them. Blog posts stand alone (``blogs.services``):
one row lock each.

What a view holds before calling here comes before all of these: the row of a form's
submission token (``common.idempotency.once``), then the rate-limit count (in the cache
table when the cache is the database). The emails written or withdrawn here (the outbox)
come after them.
"""

from django.db import IntegrityError, connection, transaction
from django.utils import dateformat, formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.translation import current_language
from forums import notifications, signals
from forums.models import (
    Flag,
    FlagCategory,
    Forum,
    Post,
    PostRevision,
    ReadMark,
    Topic,
    TopicKind,
    is_moderator,
    random_slug_suffix,
)

# The forum of e-discussions (the seed's "E-discussions", at /forums/e-discussions/): only
# moderators start topics there, members take part by replying.
EDISCUSSIONS_FORUM_SLUG = "e-discussions"

VERIFY_FIRST = gettext_lazy(
    "Confirm your email address first: open the link we sent you, or ask for a new one on "
    "your email addresses page."
)


class ForumError(Exception):
    """An action the rules refuse; its message is shown to the person."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.field = field  # the form field the refusal is about, if one


class NotPermitted(ForumError):
    """Refused because of who asks (not logged in, not verified, not the author, not a
    moderator) or of the state of what they ask about (locked, closed, hidden)."""


class EditConflict(ForumError):
    """Someone saved the text after the editor opened it: ``current`` is what is saved now
    (the editor's own text is theirs to keep and compare)."""

    def __init__(self, message, *, current):
        super().__init__(message)
        self.current = current


def edit_conflict_message() -> str:
    return _(
        "Someone else saved this text after you opened it. Their version is shown below, "
        "and yours is still in the form: compare them, then save again."
    )


# --- Locks (in the order of the module's docstring) ----------------------------------------


def lock_topic(topic_id: int) -> Topic:
    """The topic, locked until the transaction ends: first of a thread's locks."""
    return Topic.objects.select_for_update(no_key=True).get(pk=topic_id)


def lock_post(post_id: int, topic: Topic) -> Post:
    """A post of ``topic``, already locked by the caller, locked in its turn."""
    post = Post.objects.select_for_update(no_key=True).get(pk=post_id, topic=topic)
    post.topic = topic
    return post


# --- Helpers ---------------------------------------------------------------------------------


def unique_slug(model, title: str) -> str:
    base = slugify(title)[:200] or "topic"
    slug = base
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{random_slug_suffix()}"
    return slug


def insert_with_unique_slug(instance, title: str) -> None:
    """Insert a new ``instance`` (a topic, a blog post) under a slug made from ``title``.
    Two saved at the same moment with the same title both get one: the unique index decides,
    and the one that loses the race is given a suffix."""
    model = type(instance)
    instance.slug = unique_slug(model, title)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                instance.save(force_insert=True)
            return
        except IntegrityError:
            if not model.objects.filter(slug=instance.slug).exists():
                raise  # another constraint: not ours to hide
            instance.slug = unique_slug(model, title)
    raise ForumError(_("Something went wrong: please send the form again."))


def refresh_topic(topic: Topic) -> None:
    """Recount a topic's visible posts and find its last one. The caller holds the topic's
    lock (every function here does), so the figures cannot be overtaken."""
    visible = Post.objects.filter(topic=topic, is_hidden=False)
    last_post = visible.order_by("-created", "-id").only("pk", "created").first()
    Topic.objects.filter(pk=topic.pk).update(
        post_count=visible.count(),
        last_post=last_post,
        last_activity=last_post.created if last_post else topic.created,
    )
    topic.refresh_from_db(fields=["post_count", "last_post", "last_activity"])


def local_time(value) -> str:
    """A date and time as e-discussions show them: in the site's time zone, followed by its
    name ("15 March 2027 18:00 (UTC)"), as on the home page."""
    value = timezone.localtime(value)
    return f"{formats.date_format(value, 'DATETIME_FORMAT')} ({dateformat.format(value, 'T')})"


def can_post(member) -> bool:
    """Verified members may write; so may moderators."""
    return bool(
        getattr(member, "is_authenticated", False)
        and member.is_active
        and (member.has_verified_email or is_moderator(member))
    )


def _require_moderator(member) -> None:
    if not is_moderator(member):
        raise NotPermitted(_("Only moderators can do this."))


# --- Writing: topics, replies, edits ---------------------------------------------------------


def posting_refusal(*, member, topic: Topic | None = None) -> str:
    """Why ``member`` may not write now ("" when they may): a new topic when ``topic`` is
    None, else a reply to ``topic``."""
    if not getattr(member, "is_authenticated", False):
        return _("Log in to write in the forums.")
    if not can_post(member):
        return _("Confirm your email address before you write.")
    if topic is None:
        return ""
    if topic.is_hidden and not is_moderator(member):
        return _("This topic is not available.")
    if topic.is_locked:
        return _("This topic is locked: it takes no more replies.")
    if topic.is_ediscussion and not topic.is_open():
        if timezone.now() < topic.starts_at:
            return _("This e-discussion opens on %(date)s.") % {"date": local_time(topic.starts_at)}
        return _("This e-discussion closed on %(date)s.") % {"date": local_time(topic.ends_at)}
    return ""


def is_ediscussions_forum(forum: Forum) -> bool:
    return forum.slug == EDISCUSSIONS_FORUM_SLUG


def new_topic_refusal(*, member, forum: Forum) -> str:
    """Why ``member`` may not start a topic in ``forum`` ("" when they may): as for any
    writing, and in the e-discussions forum, only moderators start topics (e-discussions
    open on set dates; members take part by replying)."""
    refusal = posting_refusal(member=member)
    if refusal or not is_ediscussions_forum(forum) or is_moderator(member):
        return refusal
    return _(
        "E-discussions are opened by moderators, on set dates: take part by replying to an "
        "open one. To start a discussion of your own, choose another forum."
    )


def ediscussion_date_errors(*, kind: str, starts_at, ends_at) -> dict[str, str]:
    """What is wrong with an e-discussion's dates, by field ({} when nothing is)."""
    if kind != TopicKind.EDISCUSSION:
        return {}
    errors = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not value:
            errors[name] = _("An e-discussion needs an opening and a closing date.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The closing date must come after the opening date.")
    return errors


def ediscussion_moderator_error(moderator) -> str:
    """Why ``moderator`` cannot be named to run an e-discussion ("" when they can)."""
    if moderator is not None and not is_moderator(moderator):
        return _("Only a moderator can run an e-discussion.")
    return ""


def _check_ediscussion(*, kind: str, starts_at, ends_at, moderator) -> None:
    errors = ediscussion_date_errors(kind=kind, starts_at=starts_at, ends_at=ends_at)
    if errors:
        field, message = next(iter(errors.items()))
        raise ForumError(message, field=field)
    error = ediscussion_moderator_error(moderator)
    if error:
        raise ForumError(error, field="moderator")


@transaction.atomic
def start_topic(
    *,
    author,
    forum: Forum,
    title: str,
    body: str,
    language: str | None = None,
    project=None,
    country: str = "",
    theme=None,
    kind: str = TopicKind.DISCUSSION,
    starts_at=None,
    ends_at=None,
    guiding_questions: str = "",
    moderator=None,
) -> Topic:
    """A new topic and its first post, written in ``language`` (default: the page's),
    about a project, a country or a theme if given; an e-discussion (``kind``, its dates,
    questions and moderator) is opened by moderators only, and so is any topic of the
    e-discussions forum."""
    refusal = new_topic_refusal(member=author, forum=forum)
    if refusal:
        raise NotPermitted(refusal)
    if kind == TopicKind.EDISCUSSION:
        if not is_moderator(author):
            raise NotPermitted(_("Only moderators open e-discussions."))
        _check_ediscussion(kind=kind, starts_at=starts_at, ends_at=ends_at, moderator=moderator)
    language = language or current_language()
    now = timezone.now()
    topic = Topic(
        forum=forum,
        title=title,
        language=language,
        author=author,
        created=now,
        last_activity=now,
        project=project,
        country=country or "",
        theme=theme,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        guiding_questions=guiding_questions,
        moderator=moderator,
    )
    insert_with_unique_slug(topic, title)
    post = Post.objects.create(
        topic=topic, author=author, body=body, language=language, created=now
    )
    refresh_topic(topic)
    signals.post_created.send(sender=Post, post=post, opened_topic=True)
    return topic


@transaction.atomic
def reply(*, author, topic: Topic, body: str, language: str | None = None) -> Post:
    """A reply written in ``language`` (default: the page's)."""
    topic = lock_topic(topic.pk)
    refusal = posting_refusal(member=author, topic=topic)
    if refusal:
        raise NotPermitted(refusal)
    post = Post.objects.create(
        topic=topic, author=author, body=body, language=language or current_language()
    )
    refresh_topic(topic)
    signals.post_created.send(sender=Post, post=post, opened_topic=False)
    return post


def topic_edit_refusal(*, topic: Topic) -> str:
    """Why authors may no longer edit their posts in ``topic`` ("" while they may): it is
    locked, or it is an e-discussion that has closed. What was said there stays as it was
    said when the discussion ended; moderators may still correct a post (as in any forum:
    its previous text is kept)."""
    if topic.is_locked:
        return _("This topic is locked: its posts can no longer be edited.")
    if topic.is_ediscussion and timezone.now() >= topic.ends_at:
        return _("This e-discussion has closed: its posts can no longer be edited.")
    return ""


def edit_refusal(*, editor, post: Post) -> str:
    """Why ``editor`` may not change ``post`` ("" when they may): authors edit their own
    posts while they are shown and their topic is open to edits (``topic_edit_refusal``),
    moderators any post."""
    if not getattr(editor, "is_authenticated", False) or not editor.is_active:
        return _("You can only edit your own posts.")
    if editor.pk != post.author_id:
        return "" if is_moderator(editor) else _("You can only edit your own posts.")
    if (post.is_hidden or post.topic.is_hidden) and not is_moderator(editor):
        return _("A moderator hid this post: it cannot be edited.")
    refusal = topic_edit_refusal(topic=post.topic)
    if refusal and not is_moderator(editor):
        return refusal
    return ""


@transaction.atomic
def edit_post(*, editor, post: Post, body: str, version: int, language: str | None = None) -> Post:
    """The author (or a moderator) changes a post: its text, or the language it is marked
    as written in. ``version`` is the one the editor started from: when someone saved
    another since, ``EditConflict`` (with the text saved now) and nothing is changed,
    unless what is saved is already what the editor sends (the same edit sent twice). The
    text replaced is kept (``PostRevision``, with its version number)."""
    topic = lock_topic(post.topic_id)
    post = lock_post(post.pk, topic)
    refusal = edit_refusal(editor=editor, post=post)
    if refusal:
        raise NotPermitted(refusal)
    language = language or post.language
    if body == post.body and language == post.language:
        return post  # nothing to change (the same edit sent twice, a double click)
    if version != post.version:
        raise EditConflict(edit_conflict_message(), current=post)
    if body != post.body:
        PostRevision.objects.create(
            post=post, body=post.body, version=post.version, edited_by=editor
        )
        post.edited_at = timezone.now()
    post.body = body
    post.language = language
    post.version += 1
    post.save(update_fields=["body", "body_html", "language", "edited_at", "version"])
    return post


@transaction.atomic
def member_anonymised(*, member) -> None:
    """After an account is deleted: its posts stay (shown as "former member"); counters of
    the topics it wrote in are recomputed so they stay right."""
    topics = (
        Topic.objects.filter(pk__in=Post.objects.filter(author=member).values("topic_id"))
        .order_by("pk")
        .select_for_update(no_key=True)
    )
    for topic in topics:
        refresh_topic(topic)


# --- Reading: where a member stopped ----------------------------------------------------------


def mark_read(*, member, topic: Topic, post_id: int, marked: int | None) -> bool:
    """Move ``member``'s read mark in ``topic`` forward to the post ``post_id`` (never
    back); say whether it moved. ``marked`` is the post the mark is at now (None: no mark
    yet), as read with the page: a page read again, or an older page, writes nothing. A
    mark that moves does so in one statement, which another request moving it at the same
    time cannot take back (the greater post wins). No lock of the thread is taken: a mark
    only points at its topic and post."""
    if marked is not None and marked >= post_id:
        return False
    table = ReadMark._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (member_id, topic_id, last_read_post_id, updated)
            VALUES (%s, %s, %s, now())
            ON CONFLICT (member_id, topic_id) DO UPDATE
            SET last_read_post_id = EXCLUDED.last_read_post_id, updated = EXCLUDED.updated
            WHERE {table}.last_read_post_id IS NULL
                OR {table}.last_read_post_id < EXCLUDED.last_read_post_id
            """,  # noqa: S608 - the table name is ours, the values are parameters
            [member.pk, topic.pk, post_id],
        )
    return True


# --- Moderation: posts and topics --------------------------------------------------------------


def _hide(post: Post, *, moderator, reason: str) -> None:
    """Hide ``post``, locked with its topic by the caller."""
    post.is_hidden = True
    post.hidden_by = moderator
    post.hidden_at = timezone.now()
    post.hidden_reason = reason
    post.save(update_fields=["is_hidden", "hidden_by", "hidden_at", "hidden_reason"])
    refresh_topic(post.topic)
    notifications.post_withdrawn(post)
    notifications.post_hidden(post)


@transaction.atomic
def hide_post(*, moderator, post: Post, reason: str) -> Post:
    """A moderator hides a post, saying why; its emails not sent yet are withdrawn and its
    author is told the reason. A post hidden already stays as it was (two moderators, or
    a double click)."""
    _require_moderator(moderator)
    reason = reason.strip()
    if not reason:
        raise ForumError(_("Say why the post is hidden."), field="reason")
    topic = lock_topic(post.topic_id)
    post = lock_post(post.pk, topic)
    if not post.is_hidden:
        _hide(post, moderator=moderator, reason=reason)
    return post


@transaction.atomic
def unhide_post(*, moderator, post: Post) -> Post:
    """A moderator shows a hidden post again (who hid it and why are kept)."""
    _require_moderator(moderator)
    topic = lock_topic(post.topic_id)
    post = lock_post(post.pk, topic)
    if post.is_hidden:
        post.is_hidden = False
        post.save(update_fields=["is_hidden"])
        refresh_topic(topic)
        notifications.post_shown_again(post)
    return post


@transaction.atomic
def set_topic_state(
    *,
    moderator,
    topic: Topic,
    locked: bool | None = None,
    pinned: bool | None = None,
    hidden: bool | None = None,
    forum: Forum | None = None,
) -> Topic:
    """A moderator locks, pins, hides or moves a topic (what is None stays as it is); a
    topic hidden withdraws the emails about its posts not sent yet (but moderators')."""
    _require_moderator(moderator)
    topic = lock_topic(topic.pk)
    changes = {"is_locked": locked, "is_pinned": pinned, "is_hidden": hidden}
    changed = []
    for field, value in changes.items():
        if value is not None and getattr(topic, field) != value:
            setattr(topic, field, value)
            changed.append(field)
    if forum is not None and forum.pk != topic.forum_id:
        topic.forum = forum
        changed.append("forum")
    if changed:
        topic.save(update_fields=changed)
    if "is_hidden" in changed and topic.is_hidden:
        notifications.topic_withdrawn(topic)
    return topic


def move_topic(*, moderator, topic: Topic, forum: Forum) -> Topic:
    """A moderator moves a topic to another forum."""
    return set_topic_state(moderator=moderator, topic=topic, forum=forum)


@transaction.atomic
def set_ediscussion(
    *,
    moderator,
    topic: Topic,
    kind: str,
    starts_at,
    ends_at,
    guiding_questions: str,
    ediscussion_moderator,
) -> Topic:
    """A moderator turns a topic into an e-discussion (or back into a discussion), or
    changes its dates, guiding questions and the moderator who runs it."""
    _require_moderator(moderator)
    _check_ediscussion(
        kind=kind, starts_at=starts_at, ends_at=ends_at, moderator=ediscussion_moderator
    )
    topic = lock_topic(topic.pk)
    topic.kind = kind
    topic.starts_at = starts_at
    topic.ends_at = ends_at
    topic.guiding_questions = guiding_questions
    topic.moderator = ediscussion_moderator
    topic.save(update_fields=["kind", "starts_at", "ends_at", "guiding_questions", "moderator"])
    return topic


def may_write_summary(*, member, topic: Topic) -> bool:
    """Who writes an e-discussion's summary: its named moderator, or a superuser (not
    staff as such: a staff editor of the catalogue moderates nothing)."""
    return bool(
        getattr(member, "is_authenticated", False)
        and member.is_active
        and topic.is_ediscussion
        and (topic.moderator_id == member.pk or member.is_superuser)
    )


def summary_refusal(*, topic: Topic) -> str:
    """Why the summary cannot be written yet ("" when it can): the e-discussion is open."""
    if timezone.now() < topic.ends_at:
        return _("The summary is written once the e-discussion has closed, after %(date)s.") % {
            "date": local_time(topic.ends_at)
        }
    return ""


@transaction.atomic
def write_summary(*, member, topic: Topic, summary: str) -> Topic:
    """The e-discussion's moderator (or staff) writes its summary once it has closed."""
    topic = lock_topic(topic.pk)
    if not may_write_summary(member=member, topic=topic):
        raise NotPermitted(_("Only the e-discussion's moderator writes its summary."))
    refusal = summary_refusal(topic=topic)
    if refusal:
        raise ForumError(refusal)
    topic.summary = summary
    topic.save(update_fields=["summary", "summary_html"])
    return topic


TOPIC_DETAILS = (
    "title",
    "project",
    "country",
    "theme",
    "kind",
    "starts_at",
    "ends_at",
    "guiding_questions",
    "moderator",
    "summary",
)


@transaction.atomic
def correct_topic(*, staff, topic: Topic, changes: dict) -> Topic:
    """Staff correct a topic in the admin: its title, what it is about, its e-discussion
    settings and summary. Only those fields are written (counters and moderation state
    are kept by the functions above, under the topic's lock)."""
    if not getattr(staff, "is_staff", False):
        raise NotPermitted(_("Only moderators can do this."))
    unknown = set(changes) - set(TOPIC_DETAILS)
    if unknown:
        raise ValueError(f"Not a detail staff correct: {sorted(unknown)}")
    topic = lock_topic(topic.pk)
    for field, value in changes.items():
        setattr(topic, field, value)
    _check_ediscussion(
        kind=topic.kind,
        starts_at=topic.starts_at,
        ends_at=topic.ends_at,
        moderator=topic.moderator if "moderator" in changes else None,
    )
    fields = list(changes)
    if "summary" in fields:
        fields.append("summary_html")
    if fields:
        topic.save(update_fields=fields)
    return topic


# --- Flags: members report posts, moderators deal with the reports ---------------------------


def flag_refusal(*, member, post: Post) -> str:
    """Why ``member`` may not flag ``post`` ("" when they may)."""
    if not can_post(member):
        return _("Confirm your email address before you flag a post.")
    if post.author_id == member.pk:
        return _("You cannot flag your own post.")
    if (post.is_hidden or post.topic.is_hidden) and not is_moderator(member):
        return _("This post is not available.")
    return ""


@transaction.atomic
def flag_post(*, member, post: Post, category: str = FlagCategory.OTHER, reason: str = "") -> Flag:
    """A member reports a post to the moderators, saying which rule it breaks
    (``category``) and, in their words, why (required for "other"); one open flag per
    member and post. It changes no row (it adds one), so it locks none."""
    refusal = flag_refusal(member=member, post=post)
    if refusal:
        raise NotPermitted(refusal)
    if category not in FlagCategory.values:
        raise ForumError(_("Choose what is wrong with this post."), field="category")
    reason = reason.strip()
    if not reason and category == FlagCategory.OTHER:
        raise ForumError(_("Say what is wrong with this post."), field="reason")
    already = _("You have already flagged this post: moderators will look at it.")
    if Flag.objects.filter(post=post, reporter=member, resolved_at__isnull=True).exists():
        raise ForumError(already)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(post=post, reporter=member, category=category, reason=reason)
    except IntegrityError:  # the same flag sent twice at once
        raise ForumError(already) from None
    notifications.flag_raised(flag)  # the moderators, by a digest
    return flag


def resolution_refusal(*, flag: Flag) -> str:
    """Why ``flag`` cannot be dealt with ("" when it can): it has been already."""
    if flag.resolved_at is not None:
        return _("This flag has already been dealt with.")
    return ""


@transaction.atomic
def resolve_flag(*, moderator, flag: Flag, hide: bool, resolution: str = "") -> Flag:
    """A moderator deals with a flag: hides the post (``resolution`` is then the reason,
    and every open flag on that post is resolved with it) or dismisses the flag."""
    _require_moderator(moderator)
    resolution = resolution.strip()
    if hide and not resolution:
        raise ForumError(_("Say why the post is hidden."), field="resolution")
    resolution = resolution or _("Dismissed.")
    # Which post and topic a flag is about never changes: read them, then lock in order.
    about = Flag.objects.filter(pk=flag.pk).values_list("post_id", "post__topic_id")
    post_id, topic_id = about.get()
    topic = lock_topic(topic_id)
    post = lock_post(post_id, topic)
    flags = Flag.objects.filter(post=post).order_by("pk").select_for_update(no_key=True)
    flags = list(flags.filter(resolved_at__isnull=True) if hide else flags.filter(pk=flag.pk))
    locked = next((each for each in flags if each.pk == flag.pk), None)
    if locked is None:  # no longer among the open flags of its post
        raise ForumError(_("This flag has already been dealt with."))
    refusal = resolution_refusal(flag=locked)
    if refusal:
        raise ForumError(refusal)
    flag = locked
    if hide and not post.is_hidden:
        _hide(post, moderator=moderator, reason=resolution)
    Flag.objects.filter(pk__in=[each.pk for each in flags]).update(
        resolved_at=timezone.now(), resolved_by=moderator, resolution=resolution
    )
    flag.refresh_from_db()
    return flag
