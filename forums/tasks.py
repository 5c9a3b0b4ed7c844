"""Background tasks (django.tasks, run by ``manage.py db_worker``): notification emails.

They are enqueued by forums/notifications.py once a post is committed. Each task reads the
rows again, so what changed in between (a post hidden, a subscription removed) counts.
"""

import logging
import smtplib

from django.conf import settings
from django.db.models import F, Q
from django.tasks import task
from django.utils import translation

from common.mail import send_templated_email
from forums.models import BlogPost, Post, Subscription, is_moderator
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


def _send(template, subscription, context) -> bool:
    link = unsubscribe_url(subscription)
    context = {**context, "recipient": subscription.member, "subscription": subscription}
    context["unsubscribe_url"] = link
    try:
        send_templated_email(
            template,
            [subscription.member.email],
            context,
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    except (smtplib.SMTPException, OSError):
        # One bad address must not keep the others from being told.
        logger.exception("Could not send a notification to member %s", subscription.member_id)
        return False
    return True


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
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "post": post,
            "topic": topic,
            "author_name": post.author.display_name,
            "post_url": absolute_url(post.get_absolute_url()),
            "is_first_post": post.created == topic.created and post.author_id == topic.author_id,
        }
        for subscription in _recipients(subscriptions, post.author_id):
            if hidden and not is_moderator(subscription.member):
                continue
            sent += _send("forums/email/new_post", subscription, context)
    return sent


@task
def notify_new_blog_post(blog_post_id: int) -> int:
    """Email the followers of a blog post's author; returns how many were sent."""
    blog_post = (
        BlogPost.objects.published().blogs().select_related("author").filter(pk=blog_post_id)
    ).first()
    if blog_post is None:  # unpublished or hidden since: nobody may read it
        return 0
    subscriptions = Subscription.objects.filter(blog_author_id=blog_post.author_id).order_by("pk")
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "blog_post": blog_post,
            "author_name": blog_post.author.display_name,
            "post_url": absolute_url(blog_post.get_absolute_url()),
        }
        for subscription in _recipients(subscriptions, blog_post.author_id):
            sent += _send("forums/email/new_blog_post", subscription, context)
    return sent
