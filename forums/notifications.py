"""Telling subscribers about new posts, in the background.

The hooks here only *enqueue* a task (forums/tasks.py), once the transaction that saved the
post commits: posting never waits on email, and a rolled-back post tells nobody. The
worker (``manage.py db_worker``) then sends one email per subscriber.

Each email carries a one-click unsubscribe link: a signed token naming the subscription
and its member (see ``unsubscribe_token``), good for as long as the subscription exists.
"""

from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from common.mail import in_language

UNSUBSCRIBE_SALT = "forums.unsubscribe"


def post_created(post) -> None:
    """Called inside the transaction that saved ``post`` (a topic's first post or a reply)."""
    from forums.tasks import notify_new_post

    transaction.on_commit(partial(notify_new_post.enqueue, post.pk))


def blog_post_published(blog_post) -> None:
    """Called inside the transaction that published ``blog_post``: its author's followers
    are told (blog posts only; news have no followers)."""
    from forums.tasks import notify_new_blog_post

    transaction.on_commit(partial(notify_new_blog_post.enqueue, blog_post.pk))


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
