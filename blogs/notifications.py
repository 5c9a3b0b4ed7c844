"""Telling followers about new posts and blog posts, by email.

The hooks here are called inside the transaction that saves the post (a forum post: on
``forums.signals.post_created``): they write one ``FollowerNotice`` row in that same
transaction, however many follow it, so the notice exists exactly when the post does and
a rolled-back post tells nobody. The worker then writes each follower's email to the
outbox (``write_follower_emails``, registered with ``common.outbox.register_writer``) and
deletes the notice in one transaction, and sends each email once. Posting costs the same
few queries for a topic with 2,000 followers as for one with none, and never waits on a
mail server. Who is told is decided when the worker writes: a post or topic hidden by
then is told to moderators only. A forum post's emails are queued under
``forums.notifications.post_cause``: hiding the post (or its topic) withdraws those not
sent yet; a blog post hidden or unpublished withdraws its own (``blog_post_withdrawn``).

Each follower is written to in their own language (``Member.language``). The email is
rendered once per language (and per reason for following: the topic or its forum), not
once per person: only the salutation and the unsubscribe link are filled in per person
(``common.mail.PersonalParts``).

Each email carries a one-click unsubscribe link: a signed token naming the subscription
and its member (see ``unsubscribe_token``), good for as long as the subscription exists.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Hashable

from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from blogs.models import BlogPostStatus, FollowerNotice, Subscription
from common.mail import PersonalParts, in_language, outgoing_email, render_templated_email
from common.outbox import cancel, queue_emails, wake_worker_on_commit
from common.translation import site_language
from forums.models import moderator_condition
from forums.notifications import absolute_url, post_cause
from network.models import Member

# Kept from when following lived in the forums app: links already emailed keep working.
UNSUBSCRIBE_SALT = "forums.unsubscribe"


def blog_post_cause(blog_post) -> str:
    return f"forums.blogpost:{blog_post.pk}"


def post_created(post, *, opened_topic: bool) -> None:
    """Called inside the transaction that saved ``post`` (``opened_topic``: the first post
    of its topic, else a reply): its topic's and its forum's followers will be told."""
    FollowerNotice.objects.create(post=post, opened_topic=opened_topic)
    wake_worker_on_commit()


def blog_post_published(blog_post) -> None:
    """Called inside the transaction that published ``blog_post``: its author's followers
    will be told (blog posts only; news have no followers)."""
    if blog_post.is_news:
        return
    FollowerNotice.objects.create(blog_post=blog_post)
    wake_worker_on_commit()


def blog_post_withdrawn(blog_post) -> None:
    """Called when ``blog_post`` is unpublished or hidden: its emails still waiting, or
    still to be written, are withdrawn."""
    FollowerNotice.objects.filter(blog_post=blog_post).delete()
    cancel(cause=blog_post_cause(blog_post))


def write_follower_emails(time_limit: float) -> bool:
    """The worker's part (``common.outbox.register_writer``): each notice becomes its
    followers' emails in the outbox and is deleted, one notice per transaction (a notice
    being written by another worker is skipped). Returns True when notices are left after
    ``time_limit`` seconds."""
    deadline = time.monotonic() + time_limit
    while True:
        if time.monotonic() >= deadline:
            return FollowerNotice.objects.exists()
        with transaction.atomic():
            notice = (
                FollowerNotice.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("post__topic__forum", "post__author", "blog_post__author")
                .order_by("pk")
                .first()
            )
            if notice is None:
                return False
            if notice.post_id:
                _tell_post_followers(notice.post, opened_topic=notice.opened_topic)
            else:
                _tell_blog_followers(notice.blog_post, notice_created=notice.created)
            notice.delete()


def _tell_post_followers(post, *, opened_topic: bool) -> None:
    topic = post.topic
    # Followers of the topic first: theirs is the unsubscribe link a member gets.
    # Those who followed when it was posted (the worker may come to it later).
    subscriptions = Subscription.objects.filter(
        Q(topic=topic) | Q(forum=topic.forum), created__lte=post.created
    ).order_by(F("topic_id").asc(nulls_last=True), "pk")
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
            "is_first_post": opened_topic,
            "follows_topic": follows_topic,  # else its forum
        }

    _queue_for_followers(
        "blogs/email/new_post",
        recipients,
        context_for,
        cause=post_cause(post),
        kind_of=lambda subscription: subscription.topic_id is not None,
    )


def _tell_blog_followers(blog_post, *, notice_created) -> None:
    if blog_post.is_hidden or blog_post.status != BlogPostStatus.PUBLISHED:
        return  # withdrawn before the worker came to it
    subscriptions = Subscription.objects.filter(
        blog_author_id=blog_post.author_id, created__lte=notice_created
    ).order_by("pk")

    def context_for(_kind) -> dict:
        return {
            "blog_post": blog_post,
            "author_name": blog_post.author.display_name,
            "post_url": absolute_url(blog_post.get_absolute_url()),
        }

    _queue_for_followers(
        "blogs/email/new_blog_post",
        _recipients(subscriptions, blog_post.author_id),
        context_for,
        cause=blog_post_cause(blog_post),
    )


def _recipients(subscriptions, author_id):
    """One subscription per member (the first in ``subscriptions``' order), leaving out the
    author and accounts that are closed, inactive or without a confirmed address."""
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


def unsubscribe_url(subscription, language: str) -> str:
    """The unsubscribe link of ``subscription``, opening its page in ``language`` (that of
    the email it is in)."""
    with in_language(language):
        path = reverse("blogs:unsubscribe", kwargs={"token": unsubscribe_token(subscription)})
    return absolute_url(path)
