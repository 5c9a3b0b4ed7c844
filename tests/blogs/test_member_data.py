"""What a member follows and their blog posts in their data export, and what goes with
them once they leave (drafts and follows; published posts stay, signed "Former member")."""

import json

import pytest
from django.utils import timezone, translation

from blogs.models import BlogPost, BlogPostStatus, Subscription
from forums import services
from forums.models import Forum
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
    assert Subscription.objects.filter(member=leaving, topic=topic).exists()  # replying follows
    Subscription.objects.create(member=staying, blog_author=leaving)
    BlogPost.objects.create(author=leaving, title="Brouillon", slug="brouillon", body="…")
    BlogPost.objects.create(
        author=leaving,
        title="Publié",
        slug="publie",
        body="Ce billet reste.",
        status=BlogPostStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    return forum, topic, leaving, staying


def test_export_holds_what_the_member_follows_and_their_blog_posts(client, thread):
    _forum, topic, leaving, _staying = thread
    client.force_login(leaving)

    data = json.loads(client.get("/fr/network/me/export/").content)

    assert data["blogs"]["subscriptions"] == [topic.title]
    assert [(b["title"], b["status"]) for b in data["blogs"]["blog_posts"]] == [
        ("Brouillon", "draft"),
        ("Publié", "published"),
    ]


def test_deleted_account_loses_its_follows_and_drafts_and_keeps_its_published_posts(thread):
    _forum, _topic, leaving, staying = thread

    delete_account(leaving)

    assert not Subscription.objects.filter(member=leaving).exists()
    assert not Subscription.objects.filter(blog_author=leaving).exists()  # their followers'
    assert not BlogPost.objects.filter(author=leaving, status=BlogPostStatus.DRAFT).exists()
    published = BlogPost.objects.get(author=leaving)
    assert published.body == "Ce billet reste."
    with translation.override("en"):
        assert str(published.author) == "Former member"
