"""Moderation and the emails to followers: a post hidden before its emails went out
withdraws them (moderators, who may still read it, keep theirs)."""

import pytest
from django.core import mail
from django.core.cache import cache

from blogs.models import Subscription
from blogs.notifications import write_follower_emails
from common.models import OutgoingEmail
from forums import services
from tests.forums.test_moderation import Scene, hide_url, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scene(db):
    return Scene()


def test_hiding_a_post_withdraws_its_emails_not_sent_yet(client, scene, run_tasks):
    follower = make_member()
    Subscription.objects.create(member=follower, topic=scene.topic)
    post = services.reply(author=scene.people["verified"], topic=scene.topic, body="Publicité.")
    write_follower_emails(time_limit=60)  # the worker writes them; it has not sent them yet
    assert OutgoingEmail.objects.get(to=follower.email).status == "pending"
    client.force_login(scene.people["moderator"])

    assert client.post(hide_url(post), {"reason": "Publicité."}).status_code == 302

    assert OutgoingEmail.objects.get(to=follower.email).status == "cancelled"
    run_tasks()
    # Followers who are not moderators (the follower; the author of the first reply, who
    # follows the topic since) hear nothing of it.
    told = {message.to[0] for message in mail.outbox}
    assert follower.email not in told and scene.author.email not in told
