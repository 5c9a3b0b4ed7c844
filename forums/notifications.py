"""Telling followers about new posts and blog posts, and moderators and authors about
moderation, by email.

The hooks here are called inside the transaction that saves the post: each follower's
email becomes a row of the outbox (``common.outbox``) in that same transaction, so the
emails exist exactly when the post does, and the worker sends each one once after the
commit. Posting never waits on a mail server, and a rolled-back post tells nobody. A post
hidden before its emails went out withdraws them (``post_withdrawn``), and its author is
told why (``post_hidden``). Moderators are told of flagged posts (``flag_raised``), by a
digest: flags raised together make one email per moderator.

Each follower is written to in their own language (``Member.language``). The email is
rendered once per language (and per reason for following: the topic or its forum), not
once per person: only the salutation and the unsubscribe link are filled in per person
(``common.mail.PersonalParts``).

Each email carries a one-click unsubscribe link: a signed token naming the subscription
and its member (see ``unsubscribe_token``), good for as long as the subscription exists.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable

from django.conf import settings
from django.core import signing
from django.db.models import F, Q
from django.urls import reverse

from common.mail import (
    PersonalParts,
    in_language,
    outgoing_email,
    render_templated_email,
    send_templated_email,
)
from common.outbox import cancel, queue_digest, queue_emails
from common.translation import site_language

UNSUBSCRIBE_SALT = "forums.unsubscribe"


def post_cause(post) -> str:
    """Named under its topic, so that hiding a topic withdraws the emails of its posts."""
    return f"{topic_cause(post.topic_id)}post:{post.pk}"


def topic_cause(topic_id: int) -> str:
    return f"forums.topic:{topic_id}/"


def blog_post_cause(blog_post) -> str:
    return f"forums.blogpost:{blog_post.pk}"


def post_created(post) -> None:
    """Called inside the transaction that saved ``post`` (a topic's first post or a reply):
    its topic's and its forum's followers are told."""
    from forums.models import Subscription

    topic = post.topic
    # Followers of the topic first: theirs is the unsubscribe link a member gets.
    subscriptions = Subscription.objects.filter(Q(topic=topic) | Q(forum=topic.forum)).order_by(
        F("topic_id").asc(nulls_last=True), "pk"
    )
    recipients = _recipients(subscriptions, post.author_id)
    if post.is_hidden or topic.is_hidden:  # only moderators may read it
        moderators = _moderator_ids([subscription.member_id for subscription in recipients])
        recipients = [s for s in recipients if s.member_id in moderators]

    def context_for(follows_topic: bool) -> dict:
        return {
            "post": post,
            "topic": topic,
            "author_name": post.author.display_name,
            "post_url": absolute_url(post.get_absolute_url()),
            "is_first_post": post.created == topic.created and post.author_id == topic.author_id,
            "follows_topic": follows_topic,  # else its forum
        }

    _queue_for_followers(
        "forums/email/new_post",
        recipients,
        context_for,
        cause=post_cause(post),
        kind_of=lambda subscription: subscription.topic_id is not None,
    )


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


def blog_post_published(blog_post) -> None:
    """Called inside the transaction that published ``blog_post``: its author's followers
    are told (blog posts only; news have no followers)."""
    from forums.models import Subscription

    if blog_post.is_news:
        return
    subscriptions = Subscription.objects.filter(blog_author_id=blog_post.author_id).order_by("pk")

    def context_for(_kind) -> dict:
        return {
            "blog_post": blog_post,
            "author_name": blog_post.author.display_name,
            "post_url": absolute_url(blog_post.get_absolute_url()),
        }

    _queue_for_followers(
        "forums/email/new_blog_post",
        _recipients(subscriptions, blog_post.author_id),
        context_for,
        cause=blog_post_cause(blog_post),
    )


def blog_post_withdrawn(blog_post) -> None:
    """Called when ``blog_post`` is unpublished or hidden: its emails still waiting are
    withdrawn."""
    cancel(cause=blog_post_cause(blog_post))


def _moderator_addresses():
    from forums.models import moderator_condition
    from network.models import Member

    return Member.objects.filter(moderator_condition()).values("email")


def _recipients(subscriptions, author_id):
    """One subscription per member (the first in ``subscriptions``' order), leaving out the
    author and accounts that are closed, inactive or without a confirmed address."""
    from network.models import Member

    reachable = Member.objects.with_verified_email().filter(is_active=True, deleted_at__isnull=True)
    chosen = {}
    for subscription in (
        subscriptions.exclude(member_id=author_id)
        .filter(member__in=reachable)
        .select_related("member")  # the rest is read through ids
    ):
        chosen.setdefault(subscription.member_id, subscription)
    return list(chosen.values())


def _moderator_ids(member_ids) -> set[int]:
    """Which of ``member_ids`` are moderators (as ``forums.models.is_moderator`` says), in
    one query. They are all active (``_recipients``)."""
    from forums.models import moderator_condition
    from network.models import Member

    return set(
        Member.objects.filter(pk__in=member_ids)
        .filter(moderator_condition())
        .values_list("pk", flat=True)
    )


def _queue_for_followers(
    template: str,
    subscriptions: list,
    context_for: Callable[[Hashable], dict],
    *,
    cause: str,
    kind_of: Callable = lambda subscription: None,
) -> int:
    """Queue ``template`` to the member of each subscription; returns how many.

    Followers are grouped by language and by ``kind_of(subscription)`` (what else in the
    email depends on what they follow): each group's email is rendered once, with the
    context ``context_for(kind)`` made under that language (for its links), then filled in
    with each person's name and unsubscribe link."""
    groups = defaultdict(list)
    for subscription in subscriptions:
        key = (site_language(subscription.member.language), kind_of(subscription))
        groups[key].append(subscription)
    personal = PersonalParts("recipient_name", "unsubscribe_url")
    emails = []
    for (language, kind), members_subscriptions in groups.items():
        with in_language(language):
            context = {**context_for(kind), **personal.placeholders}
        shared = render_templated_email(template, context, language=language)
        for subscription in members_subscriptions:
            link = unsubscribe_url(subscription, language)
            rendered = personal.fill(
                shared,
                {"recipient_name": subscription.member.display_name, "unsubscribe_url": link},
            )
            emails.append(
                outgoing_email(
                    rendered,
                    subscription.member.email,
                    cause=cause,
                    headers={
                        "List-Unsubscribe": f"<{link}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            )
    return queue_emails(emails)


# --- Unsubscribe links ---------------------------------------------------------------------


def unsubscribe_token(subscription) -> str:
    return signing.dumps(
        {"s": subscription.pk, "m": subscription.member_id}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(subscription id, member id) from a token, or None when it is forged or garbled."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["s"]), int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def absolute_url(path: str) -> str:
    """A full address for a link in an email (no request there: SITE_URL)."""
    return settings.SITE_URL + path


def unsubscribe_url(subscription, language: str) -> str:
    """The unsubscribe link of ``subscription``, opening its page in ``language`` (that of
    the email it is in)."""
    with in_language(language):
        path = reverse("forums:unsubscribe", kwargs={"token": unsubscribe_token(subscription)})
    return absolute_url(path)
