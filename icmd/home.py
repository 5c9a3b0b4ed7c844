"""What the home page shows: the key figures and what is happening on the site, kept in the
cache, and for a member the topics they follow that have new posts.

The blocks (figures, the next three events, open e-discussions, latest topics, news, blog
posts, newest verified organisations, the pages about the initiative) are the same for every
visitor (an event's times in its own zone and in UTC, whatever zone the visitor chose), so
they are rendered once per language and kept for ``CACHE_SECONDS``, or until a change to
what they show commits, whichever comes first: saving or deleting any of ``SHOWN_MODELS``
(model signals, and ``common.signals.rows_changed`` for bulk writes) forgets them once its
transaction commits. The time limit covers what changes with the clock alone (an
e-discussion closing, an event over, news published for a later hour) and a page rendered
from rows read just before a commit. A transaction that has changed what the blocks show reads them
fresh, without the cache, until it commits.

A home page therefore costs one cache read and, for a member, one query for their followed
topics, whatever the number of topics, posts, news or organisations.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from blogs.models import BlogPost
from common.signals import rows_changed
from common.transactions import on_commit_once, waits_for_commit
from common.translation import current_language
from forums.models import Forum, Post, ReadMark, Topic, TopicKind
from icmd.models import Page
from library.models import Event, EventProposal
from projects.models import Organisation, Phase, Project

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60
# Rows in each block.
BLOCK_SIZE = 5
CACHE_KEY = "home-blocks:{language}"
# An event published from the staff's review queue is saved as its proxy, EventProposal.
SHOWN_MODELS = (
    *(Project, Phase, Organisation, Page, Forum, Topic, Post, BlogPost),
    *(Event, EventProposal),
)


def cache_keys() -> list[str]:
    return [CACHE_KEY.format(language=code) for code, _name in settings.LANGUAGES]


# --- The blocks everybody sees -----------------------------------------------------------


def is_open_ediscussion(now) -> Q:
    return Q(
        kind=TopicKind.EDISCUSSION,
        is_locked=False,
        starts_at__lte=now,
        ends_at__gt=now,
    )


def open_ediscussions(now):
    return (
        Topic.objects.filter(is_open_ediscussion(now), is_hidden=False)
        .select_related("forum")
        .order_by("ends_at", "pk")[:BLOCK_SIZE]
    )


def latest_topics(now):
    """The latest topics but open e-discussions, which have their block."""
    return (
        Topic.objects.filter(is_hidden=False)
        .exclude(is_open_ediscussion(now))
        .select_related("forum")
        .annotate(reply_count=F("post_count") - 1)
        .order_by("-last_activity", "-pk")[:BLOCK_SIZE]
    )


def blocks_context() -> dict:
    """What the blocks show, read in a fixed number of queries."""
    now = timezone.now()
    published = BlogPost.objects.published()
    return {
        "totals": Project.objects.published().totals(),
        "phases": Phase.objects.all(),
        "ediscussions": open_ediscussions(now),
        "topics": latest_topics(now),
        "news": published.news().order_by("-published_at", "-pk")[:BLOCK_SIZE],
        "blog_posts": published.blogs()
        .select_related("author")
        .order_by("-published_at", "-pk")[:BLOCK_SIZE],
        "organisations": Organisation.objects.filter(verified=True).order_by("-created", "-pk")[
            :BLOCK_SIZE
        ],
        "pages": Page.objects.about(),
    }


def render_blocks() -> str:
    return render_to_string("icmd/home_blocks.html", blocks_context())


def blocks_html() -> SafeString:
    """The blocks in the page's language, from the cache when they are there. A cache that
    cannot be reached costs the page its speed, not its content (and is logged)."""
    if changes_pending():
        return mark_safe(render_blocks())  # noqa: S308 - rendered by our template
    key = CACHE_KEY.format(language=current_language())
    try:
        html = cache.get(key)
    except Exception:  # any cache backend's failure (database, Redis, memcached)
        logger.exception("Home page: the cache could not be read.")
        return mark_safe(render_blocks())  # noqa: S308 - rendered by our template
    if html is None:
        html = render_blocks()
        try:
            cache.set(key, html, CACHE_SECONDS)
        except Exception:
            logger.exception("Home page: the cache could not be written.")
    return mark_safe(html)  # noqa: S308 - rendered by our template


# --- What one member follows ---------------------------------------------------------------


def unread_followed_topics(member) -> list[Topic] | None:
    """The topics ``member`` follows that have posts they have not read (newest activity
    first, ``BLOCK_SIZE`` of them), in one query; None for a visitor who is not logged in."""
    if not member.is_authenticated:
        return None
    read_up_to = ReadMark.objects.filter(member=member, topic=OuterRef("pk")).values(
        "last_read_post_id"
    )[:1]
    return list(
        Topic.objects.filter(is_hidden=False, last_post__isnull=False, subscriptions__member=member)
        .annotate(read_up_to=Subquery(read_up_to))
        .filter(Q(read_up_to__isnull=True) | Q(last_post_id__gt=F("read_up_to")))
        .select_related("forum")
        .order_by("-last_activity", "-pk")[:BLOCK_SIZE]
    )


# --- Forgetting the blocks when what they show changes ---------------------------------------


def forget() -> None:
    """Drop the cached blocks of every language (after the commit of a change)."""
    cache.delete_many(cache_keys())


def changes_pending() -> bool:
    """Whether the transaction under way changed what the blocks show (it then reads them
    fresh: the cache holds what was committed)."""
    return waits_for_commit(forget)


def shown_rows_changed(sender, raw=False, **kwargs) -> None:
    """Receiver: a row the blocks may show was saved or deleted. The cache is forgotten
    once, when the transaction commits (at once outside a transaction). Robust: the change
    is committed; a cache that fails then is logged and never turns the answer to whoever
    saved it into an error, and the blocks expire after ``CACHE_SECONDS`` anyway."""
    if sender in SHOWN_MODELS:
        on_commit_once(forget)


def connect() -> None:
    for model in SHOWN_MODELS:
        uid = f"home-{model._meta.label_lower}"
        post_save.connect(shown_rows_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(shown_rows_changed, sender=model, dispatch_uid=uid)
    rows_changed.connect(shown_rows_changed, dispatch_uid="home-rows-changed")
