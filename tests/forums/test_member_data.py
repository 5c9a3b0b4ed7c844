"""A member's forum posts in their data export, and what stays of them once they leave
(what they follow and their blog posts: tests/blogs/test_member_data.py)."""

import json

import pytest
from django.utils import translation

from forums import services
from forums.models import Forum, Post
from network.accounts import delete_account
from tests.factories import verified_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread():
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    leaving = verified_member(name="Awa Leaving")
    staying = verified_member(name="Binta Staying")
    topic = services.start_topic(
        author=staying, forum=forum, title="Envois de fonds", body="Premier message."
    )
    services.reply(author=leaving, topic=topic, body="Ma réponse, qui doit rester dans le fil.")
    services.reply(author=staying, topic=topic, body="Merci !")
    return forum, topic, leaving, staying


def test_export_holds_the_members_posts(client, thread):
    _forum, topic, leaving, _staying = thread
    client.force_login(leaving)

    response = client.get("/fr/network/me/export/")

    data = json.loads(response.content)
    posts = data["forums"]["posts"]
    assert [p["text"] for p in posts] == ["Ma réponse, qui doit rester dans le fil."]
    assert posts[0]["topic"] == topic.title


def test_deleted_account_keeps_its_posts_signed_former_member(client, thread):
    _forum, topic, leaving, _staying = thread

    delete_account(leaving)

    post = Post.objects.get(author=leaving)
    assert post.body == "Ma réponse, qui doit rester dans le fil."
    with translation.override("en"):
        assert str(post.author) == "Former member"
    topic.refresh_from_db()
    assert topic.post_count == 3
