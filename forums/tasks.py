"""Background tasks (django.tasks, run by ``manage.py db_worker``): notification emails.

They are enqueued by forums/notifications.py once a post is committed. Each task reads the
rows again, so what changed in between (a post hidden, a subscription removed) counts.

Each follower is written to in their own language (``Member.language``). The email is
rendered once per language (and per reason for following: the topic or its forum), not
once per person: only the salutation and the unsubscribe link are filled in per person
(``common.mail.PersonalParts``).
"""

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Hashable

from django.db.models import F, Q
from django.tasks import task

from common.mail import (
    PersonalParts,
    in_language,
    render_templated_email,
    send_rendered_email,
)
from common.translation import site_language
from forums.models import BlogPost, Post, Subscription, moderator_condition
from forums.notifications import absolute_url, unsubscribe_url
from network.models import Member

logger = logging.getLogger(__name__)


def _recipients(subscriptions, author_id):
    """One subscription per member (the first in ``subscriptions``' order), leaving out the
    author and accounts that are closed, inactive or without a confirmed address."""
    reachable = Member.objects.with_verified_email().filter(is_active=True, deleted_at__isnull=True)
    chosen = {}
    for subscription in (
        subscriptions.exclude(member_id=author_id)
        .filter(member__in=reachable)
        .select_related("member", "topic", "forum", "blog_author")
    ):
        chosen.setdefault(subscription.member_id, subscription)
    return list(chosen.values())


def _moderator_ids(member_ids) -> set[int]:
    """Which of ``member_ids`` are moderators (as ``forums.models.is_moderator`` says: staff
    or the moderators' group), in one query. They are all active (``_recipients``)."""
    return set(
        Member.objects.filter(pk__in=member_ids)
        .filter(moderator_condition())
        .values_list("pk", flat=True)
    )


def _send_to_followers(
    template: str,
    subscriptions: list,
    context_for: Callable[[Hashable], dict],
    kind_of: Callable[[Subscription], Hashable] = lambda subscription: None,
) -> int:
    """Email ``template`` to the member of each subscription; returns how many were sent.

    Followers are grouped by language and by ``kind_of(subscription)`` (what else in the
    email depends on what they follow): each group's email is rendered once, with the
    context ``context_for(kind)`` made under that language (for its links), then filled in
    with each person's name and unsubscribe link."""
    groups = defaultdict(list)
    for subscription in subscriptions:
        key = (site_language(subscription.member.language), kind_of(subscription))
        groups[key].append(subscription)
    personal = PersonalParts("recipient_name", "unsubscribe_url")
    sent = 0
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
            try:
                send_rendered_email(
                    rendered,
                    [subscription.member.email],
                    headers={
                        "List-Unsubscribe": f"<{link}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            except (smtplib.SMTPException, OSError):
                # One bad address must not keep the others from being told.
                logger.exception(
                    "Could not send a notification to member %s", subscription.member_id
                )
                continue
            sent += 1
    return sent


@task
def notify_new_post(post_id: int) -> int:
    """Email the followers of a post's topic and of its forum; returns how many were sent."""
    post = Post.objects.select_related("topic__forum", "author").filter(pk=post_id).first()
    if post is None:
        return 0
    topic = post.topic
    hidden = post.is_hidden or topic.is_hidden
    # Followers of the topic first: theirs is the unsubscribe link a member gets.
    subscriptions = Subscription.objects.filter(Q(topic=topic) | Q(forum=topic.forum)).order_by(
        F("topic_id").asc(nulls_last=True), "pk"
    )
    recipients = _recipients(subscriptions, post.author_id)
    if hidden:  # only moderators may read it
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

    return _send_to_followers(
        "forums/email/new_post",
        recipients,
        context_for,
        kind_of=lambda subscription: subscription.topic_id is not None,
    )


@task
def notify_new_blog_post(blog_post_id: int) -> int:
    """Email the followers of a blog post's author; returns how many were sent."""
    blog_post = (
        BlogPost.objects.published().blogs().select_related("author").filter(pk=blog_post_id)
    ).first()
    if blog_post is None:  # unpublished or hidden since: nobody may read it
        return 0
    subscriptions = Subscription.objects.filter(blog_author_id=blog_post.author_id).order_by("pk")

    def context_for(_kind) -> dict:
        return {
            "blog_post": blog_post,
            "author_name": blog_post.author.display_name,
            "post_url": absolute_url(blog_post.get_absolute_url()),
        }

    return _send_to_followers(
        "forums/email/new_blog_post", _recipients(subscriptions, blog_post.author_id), context_for
    )
