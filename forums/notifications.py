"""Emails about moderation: a post's author told why it was hidden, moderators told of
flagged posts; and the causes under which the emails about a post are queued.

The hooks here are called inside the transaction that changes the post: each email becomes
a row of the outbox (``common.outbox``) in that same transaction, and the worker sends it
once after the commit. The emails to a topic's followers about a new post are written by
the blogs app (``blogs.notifications``, on ``forums.signals.post_created``) under
``post_cause``: a post hidden before they went out withdraws them (``post_withdrawn``), and
its author is told why (``post_hidden``). Moderators are told of flagged posts
(``flag_raised``), by a digest: flags raised together make one email per moderator.
"""

from django.conf import settings
from django.urls import reverse

from common.mail import in_language, send_templated_email
from common.outbox import cancel, queue_digest


def post_cause(post) -> str:
    """Named under its topic, so that hiding a topic withdraws the emails of its posts."""
    return f"{topic_cause(post.topic_id)}post:{post.pk}"


def topic_cause(topic_id: int) -> str:
    return f"forums.topic:{topic_id}/"


def post_withdrawn(post) -> None:
    """Called when ``post`` is hidden: the emails about it not sent yet are withdrawn,
    except those to moderators (who may still read it)."""
    cancel(cause=post_cause(post), keep_to=_moderator_addresses())


def topic_withdrawn(topic) -> None:
    """Called when ``topic`` is hidden: as ``post_withdrawn``, for all of its posts."""
    cancel(cause_prefix=topic_cause(topic.pk), keep_to=_moderator_addresses())


def hidden_post_cause(post) -> str:
    """Per hiding: a post shown again and hidden again tells its author again."""
    return f"forums.hidden-post:{post.pk}:{post.hidden_at.timestamp():.6f}"


def post_hidden(post) -> None:
    """Called inside the transaction that hid ``post``: its author is told why (the
    moderator's reason), in their language; not when the moderator hid their own post,
    nor when the account is closed. The moderator is not named."""
    author = post.author
    if post.hidden_by_id == author.pk or not author.is_active or author.deleted_at:
        return
    with in_language(author.language):
        post_url = absolute_url(reverse("forums:post", kwargs={"pk": post.pk}))
        terms_url = absolute_url(reverse("terms"))
        contact_url = absolute_url(reverse("contact"))
    send_templated_email(
        "forums/email/post_hidden",
        author,
        {
            "author": author,
            "post": post,
            "topic": post.topic,
            "reason": post.hidden_reason,
            "post_url": post_url,
            "terms_url": terms_url,
            "contact_url": contact_url,
        },
        cause=hidden_post_cause(post),
    )


def post_shown_again(post) -> None:
    """Called when a moderator shows ``post`` again: the email telling its author it was
    hidden is withdrawn if it has not gone yet."""
    cancel(cause_prefix=f"forums.hidden-post:{post.pk}:")


# --- Moderators: posts flagged ------------------------------------------------------------------

FLAGS_WAITING = "forums.flags-waiting"
FLAGS_LISTED = 20


def flag_readers():
    """Who is told of flags: the active members of the "Moderators" group; while it has
    none, the other moderators (``forums.models.is_moderator``: superusers, accounts given
    the permission)."""
    from forums.models import MODERATORS_GROUP, moderator_condition
    from network.models import Member

    active = Member.objects.filter(is_active=True, deleted_at__isnull=True)
    group = active.filter(groups__name=MODERATORS_GROUP)
    return group if group.exists() else active.filter(moderator_condition())


def flag_raised(flag) -> None:
    """Called inside the transaction that saved ``flag``: the moderators are told of the
    flags waiting for them, by a digest (``common.outbox.queue_digest``): flags raised
    within a few minutes of the first (``OUTBOX_DIGEST_WINDOW``) make one email each."""
    queue_digest(FLAGS_WAITING, _flags_waiting_emails)


def _flags_waiting_emails() -> list:
    from forums.models import Flag
    from network.notifications import personal_emails

    readers = list(flag_readers().order_by("pk"))
    if not readers:
        return []
    waiting = Flag.objects.filter(resolved_at__isnull=True)
    flags = list(
        waiting.select_related("reporter", "post__author", "post__topic").order_by(
            "-created", "-pk"
        )[:FLAGS_LISTED]
    )
    if not flags:
        return []
    count = len(flags) if len(flags) < FLAGS_LISTED else waiting.count()

    def context() -> dict:  # under the readers' language
        return {
            "flags": [
                {
                    "flag": flag,
                    "category": flag.get_category_display(),
                    "topic_title": flag.post.topic.title,
                    "author_name": flag.post.author.display_name,
                    "reporter_name": flag.reporter.display_name,
                    "url": absolute_url(reverse("forums:resolve_flag", kwargs={"pk": flag.pk})),
                }
                for flag in flags
            ],
            "count": count,
            "more": count - len(flags),
            "queue_url": absolute_url(reverse("forums:flags")),
        }

    return personal_emails("forums/email/flags_waiting", readers, context)


def _moderator_addresses():
    from forums.models import moderator_condition
    from network.models import Member

    return Member.objects.filter(moderator_condition()).values("email")


def absolute_url(path: str) -> str:
    """A full address for a link in an email (no request there: SITE_URL)."""
    return settings.SITE_URL + path
