"""Following one's own topics: who starts or replies to a topic follows it (the forums'
``post_created`` signal, answered by the blogs app) and is told of the next replies, unless
their profile says not to."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from blogs.models import Subscription
from forums import services
from forums.models import Forum
from tests.factories import verified_member
from tests.forms import form_values
from tests.html import tr

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.org"


@pytest.fixture(autouse=True)
def site_and_cache(settings):
    settings.SITE_URL = SITE
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def forum():
    return Forum.objects.create(name="Diaspora", slug="diaspora")


def topic_with_reply(forum, author):
    starter = verified_member(name="Awa Initiatrice", follow_own_topics=False)
    topic = services.start_topic(
        author=starter, forum=forum, title="Envois de fonds", body="Premier message."
    )
    post = services.reply(author=author, topic=topic, body="Voici l’adresse de Fatou : …")
    return topic, post


# --- Following one's own topics ----------------------------------------------------------------


def follows(member, topic) -> bool:
    return Subscription.objects.filter(member=member, topic=topic).exists()


def test_starting_a_topic_and_replying_follow_it(client, forum, run_tasks):
    starter = verified_member()
    replier = verified_member()
    client.force_login(starter)
    page = client.get(reverse("forums:new_topic", kwargs={"slug": forum.slug}))
    data = form_values(page, "topic-form")
    data.update({"title": "Transferts et développement", "body": "Qui a des chiffres ?"})
    response = client.post(reverse("forums:new_topic", kwargs={"slug": forum.slug}), data)
    assert response.status_code == 302
    topic = forum.topics.get()
    assert follows(starter, topic)

    client.force_login(replier)
    reply_url = reverse("forums:reply", kwargs={"slug": topic.slug})
    data = form_values(client.get(reply_url), "reply-form")
    data["body"] = "J’en ai quelques-uns."
    assert client.post(reply_url, data).status_code == 302
    assert follows(replier, topic)
    run_tasks()
    mail.outbox.clear()

    # The starter, following it, is told of the reply; the replier of the next one.
    services.reply(author=verified_member(), topic=topic, body="Moi aussi.")
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([starter.email, replier.email])


def test_replying_twice_follows_once(forum):
    replier = verified_member()
    topic, _post = topic_with_reply(forum, replier)

    services.reply(author=replier, topic=topic, body="Encore moi.")

    assert Subscription.objects.filter(member=replier).count() == 1


def test_the_profile_setting_turns_following_own_topics_off(forum, run_tasks):
    starter = verified_member(follow_own_topics=False)
    replier = verified_member(follow_own_topics=False)

    topic = services.start_topic(author=starter, forum=forum, title="Sujet", body="Texte.")
    services.reply(author=replier, topic=topic, body="Réponse.")

    assert not follows(starter, topic)
    assert not follows(replier, topic)
    run_tasks()
    assert mail.outbox == []  # nobody follows it


def test_the_profile_page_offers_the_setting(client):
    member = verified_member()
    client.force_login(member)

    page = client.get(reverse("network:edit_profile")).content.decode()

    assert 'name="follow_own_topics"' in page
    assert tr("Follow the topics I start or reply to") in page or (
        tr("follow the topics I start or reply to").capitalize() in page
    )
