"""Notification emails: posting only enqueues a background task (django.tasks, database
backend); the worker then emails every follower of the topic, of its forum or of the blog
author, except the author and those who may not see it; each email has a one-click
unsubscribe link (a page with a button, and RFC 8058's List-Unsubscribe-Post)."""

import email.policy
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forums import blog_services, services
from forums.models import MODERATORS_GROUP, BlogPost, Forum, Subscription
from forums.notifications import UNSUBSCRIBE_SALT, unsubscribe_token
from tests.factories import MemberFactory, StaffFactory, verified_member
from tests.forms import form_values
from tests.html import find, parse, text, tr

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.org"


@pytest.fixture(autouse=True)
def site_and_cache(settings):
    settings.SITE_URL = SITE
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def thread():
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    starter = verified_member(name="Awa Initiatrice")
    topic = services.start_topic(starter, forum, "Envois de fonds", "Premier message.")
    return forum, topic, starter


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def unsubscribe_link(message) -> str:
    return re.search(rf"{SITE}(/fr/unsubscribe/[^/\s]+/)", message.body).group(1)


def test_a_reply_only_enqueues_a_task_then_the_worker_emails_followers(client, thread, run_tasks):
    forum, topic, starter = thread
    run_tasks()  # the first post's own task: nobody followed yet
    mail.outbox.clear()
    topic_follower = verified_member(name="Suit le sujet")
    forum_follower = verified_member(name="Suit le forum")
    both = verified_member(name="Suit les deux")
    replier = verified_member(name="Répond")
    Subscription.objects.create(member=starter, topic=topic)
    Subscription.objects.create(member=topic_follower, topic=topic)
    Subscription.objects.create(member=forum_follower, forum=forum)
    Subscription.objects.create(member=both, topic=topic)
    Subscription.objects.create(member=both, forum=forum)
    Subscription.objects.create(member=replier, topic=topic)  # the author: not emailed
    Subscription.objects.create(member=MemberFactory(), topic=topic)  # unverified address
    gone = verified_member(deleted_at=timezone.now())
    Subscription.objects.create(member=gone, topic=topic)
    client.force_login(replier)

    response = client.post(
        f"/fr/forums/topics/{topic.slug}/reply/", {"body": "Ma **réponse** ici."}
    )
    assert not DBTaskResult.objects.ready().exists()  # nothing before the transaction commits
    run_tasks.commit()

    assert response.status_code == 302
    assert mail.outbox == []  # posting sent nothing by itself
    task = DBTaskResult.objects.ready().get()
    assert task.task_path == "forums.tasks.notify_new_post"

    assert run_tasks() == 1

    assert recipients() == sorted(m.email for m in (starter, topic_follower, forum_follower, both))
    post = topic.posts.latest("created")
    for message in mail.outbox:
        assert "Envois de fonds" in message.subject
        assert "Ma **réponse** ici." in message.body
        assert f"{SITE}/fr/forums/posts/{post.pk}/" in message.body
        link = unsubscribe_link(message)
        assert message.extra_headers["List-Unsubscribe"] == f"<{SITE}{link}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # As sent over SMTP: the header is the URL itself, on one line, not encoded words.
        raw = message.message(policy=email.policy.SMTP).as_bytes()
        assert f"\r\nList-Unsubscribe: <{SITE}{link}>\r\n".encode() in raw
    to_both = next(m for m in mail.outbox if m.to == [both.email])
    assert tr("Stop these emails:") in to_both.body
    # Who follows the topic and its forum gets the topic's unsubscribe link.
    token = unsubscribe_link(to_both).split("/")[-2]
    subscription_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)["s"]
    assert Subscription.objects.get(pk=subscription_id).topic == topic
    assert run_tasks() == 0  # nothing sent twice


def test_a_new_topic_tells_the_forums_followers(thread, run_tasks):
    forum, _topic, starter = thread
    follower = verified_member()
    Subscription.objects.create(member=follower, forum=forum)
    Subscription.objects.create(member=starter, forum=forum)
    run_tasks()
    mail.outbox.clear()

    services.start_topic(starter, forum, "Nouveau sujet", "Le début.")
    run_tasks()

    assert recipients() == [follower.email]
    assert "Nouveau sujet" in mail.outbox[0].subject


def test_a_hidden_topic_is_told_to_moderators_only(thread, run_tasks):
    _forum, topic, starter = thread
    reader = verified_member()
    moderator = verified_member()
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    for member in (reader, moderator):
        Subscription.objects.create(member=member, topic=topic)
    run_tasks()
    mail.outbox.clear()

    services.reply(verified_member(), topic, "Une réponse.")
    services.set_topic_state(StaffFactory(), topic, hidden=True)  # before the worker runs
    run_tasks()

    assert recipients() == [moderator.email]


def test_a_rolled_back_post_tells_nobody(thread, run_tasks):
    _forum, topic, _starter = thread
    Subscription.objects.create(member=verified_member(), topic=topic)
    run_tasks()
    mail.outbox.clear()
    topic.is_locked = True
    topic.save()
    with pytest.raises(services.ForumError):
        services.reply(verified_member(), topic, "Refusée.")
    assert run_tasks() == 0
    assert mail.outbox == []


# --- Unsubscribing -------------------------------------------------------------------------


@pytest.fixture
def emailed(thread, run_tasks):
    """A follower of the topic, and the unsubscribe link of the email they got."""
    _forum, topic, _starter = thread
    run_tasks()  # the first post's
    follower = verified_member(name="Abonnée")
    Subscription.objects.create(member=follower, topic=topic)
    services.reply(verified_member(), topic, "Du nouveau.")
    mail.outbox.clear()
    run_tasks()
    (message,) = mail.outbox
    return follower, unsubscribe_link(message)


def test_unsubscribe_link_shows_a_button_then_unsubscribes(emailed):
    follower, link = emailed
    browser = Client(enforce_csrf_checks=True)  # as from an email: no cookie, no token

    page = browser.get(link)  # what an email scanner does: it changes nothing

    assert page.status_code == 200
    assert "Envois de fonds" in text(parse(page))
    assert Subscription.objects.filter(member=follower).exists()
    form = find(parse(page), "form", id="unsubscribe-form")
    assert form.attrs["method"] == "post"
    assert text(find(form, "button")) == tr("Unsubscribe")

    done = browser.post(link)

    assert done.status_code == 200
    assert not Subscription.objects.filter(member=follower).exists()
    again = browser.get(link)
    assert again.status_code == 200
    assert tr("You are not subscribed to this any more: there is nothing to do.") in text(
        parse(again)
    )


def test_one_click_unsubscribe_from_the_mail_client(emailed):
    """RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the header's URL."""
    follower, link = emailed
    response = Client(enforce_csrf_checks=True).post(
        link,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Subscription.objects.filter(member=follower).exists()


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "forged",
        "other-salt",
        "tampered",
    ],
)
def test_a_forged_unsubscribe_link_is_refused(emailed, token):
    follower, link = emailed
    real = link.split("/")[-2]
    subscription = Subscription.objects.get(member=follower)
    token = {
        "nonsense": "abc",
        "forged": signing.dumps({"s": subscription.pk, "m": follower.pk}, key="not-our-key"),
        "other-salt": signing.dumps({"s": subscription.pk, "m": follower.pk}),
        "tampered": real[:-3] + ("aaa" if not real.endswith("aaa") else "bbb"),
    }[token]

    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/fr/unsubscribe/{token}/")
        assert response.status_code == 400
        assert tr("Invalid unsubscribe link") in text(find(parse(response), "h1"))
    assert Subscription.objects.filter(member=follower).exists()


def test_a_token_for_someone_else_removes_nothing(thread):
    _forum, topic, _starter = thread
    follower = verified_member()
    subscription = Subscription.objects.create(member=follower, topic=topic)
    other = Subscription(pk=subscription.pk, member_id=follower.pk + 1000)
    Client().post(f"/fr/unsubscribe/{unsubscribe_token(other)}/")
    assert Subscription.objects.filter(pk=subscription.pk).exists()


# --- Blogs ---------------------------------------------------------------------------------


def test_publishing_a_blog_post_tells_the_authors_followers(client, run_tasks):
    author = verified_member(name="Awa Blogueuse")
    follower = verified_member()
    Subscription.objects.create(member=follower, blog_author=author)
    client.force_login(author)

    client.post("/fr/blog/write/", {"title": "Brouillon", "body": "Pas encore.", "action": "save"})
    assert run_tasks() == 0  # a draft tells nobody

    draft = BlogPost.objects.get()
    edit = f"/fr/blog/{draft.slug}/edit/"
    client.post(edit, form_values(client.get(edit), "blog-post-form") | {"action": "publish"})
    assert run_tasks() == 1

    (message,) = mail.outbox
    assert message.to == [follower.email]
    assert "Awa Blogueuse" in message.subject and "Brouillon" in message.subject
    assert "Pas encore." in message.body
    assert f"{SITE}/fr/blog/{draft.slug}/" in message.body
    link = unsubscribe_link(message)
    Client().post(link)
    assert not Subscription.objects.exists()

    # Saving it again later tells nobody again.
    client.post(edit, form_values(client.get(edit), "blog-post-form") | {"action": "save"})
    assert run_tasks() == 0


def test_news_published_in_the_admin_tell_nobody_but_blog_posts_do(run_tasks):
    staff = StaffFactory()
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True)
    follower = verified_member()
    Subscription.objects.create(member=follower, blog_author=staff)
    news = BlogPost(author=staff, kind="news", title="N", slug="n", body="B", status="published")
    was = blog_services.before_admin_save(news)
    news.save()
    blog_services.after_admin_save(news, was)
    assert news.published_at is not None
    assert run_tasks() == 0

    post = BlogPost(author=staff, kind="blog", title="B", slug="b", body="B", status="published")
    was = blog_services.before_admin_save(post)
    post.save()
    blog_services.after_admin_save(post, was)
    run_tasks()
    assert recipients() == [follower.email]


def test_the_email_link_leads_to_the_post(client, emailed, thread):
    """The post link in the email (made without a request) opens the post on the site."""
    _forum, topic, _starter = thread
    message_link = f"/fr/forums/posts/{topic.posts.latest('created').pk}/"
    response = client.get(message_link)
    assert response.status_code == 302
    assert urlsplit(response.url).path == topic.get_absolute_url()
