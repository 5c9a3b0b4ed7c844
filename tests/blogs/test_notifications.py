"""Notification emails: posting writes one outbox row per follower of the topic, of its
forum or of the blog author (except the author and those who may not see it) in the
post's own transaction; once it commits, the worker sends them; each email has a one-click
unsubscribe link (a page with a button, and RFC 8058's List-Unsubscribe-Post)."""

import email.policy
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.test.signals import template_rendered
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blogs import notifications
from blogs import services as blog_services
from blogs.models import BlogPost, FollowerNotice, Subscription
from blogs.notifications import UNSUBSCRIBE_SALT, unsubscribe_token, write_follower_emails
from common.models import OutgoingEmail
from forums import services
from forums.models import MODERATORS_GROUP, Forum, Post
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
    starter = verified_member(name="Awa Initiatrice", follow_own_topics=False)
    topic = services.start_topic(
        author=starter, forum=forum, title="Envois de fonds", body="Premier message."
    )
    return forum, topic, starter


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def unsubscribe_link(message) -> str:
    return re.search(rf"{SITE}(/fr/unsubscribe/[^/\s]+/)", message.body).group(1)


def test_a_reply_writes_the_emails_then_the_worker_sends_them(client, thread, run_tasks):
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
        f"/fr/forums/topics/{topic.slug}/reply/", {"body": "Ma **réponse** ici.", "language": "fr"}
    )
    # One notice is written with the post, whoever follows; the worker is woken once it
    # commits, and writes then sends the emails.
    assert FollowerNotice.objects.count() == 1
    assert not OutgoingEmail.objects.exists()
    assert not DBTaskResult.objects.ready().exists()
    run_tasks.commit()

    assert response.status_code == 302
    assert mail.outbox == []  # posting sent nothing by itself
    assert DBTaskResult.objects.ready().filter(task_path="common.tasks.deliver_emails").count() == 1

    run_tasks()

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
    run_tasks()
    assert len(mail.outbox) == 4  # nothing sent twice
    assert OutgoingEmail.objects.filter(status="sent").count() == 4
    assert not FollowerNotice.objects.exists()


def test_a_new_topic_tells_the_forums_followers(thread, run_tasks):
    forum, _topic, starter = thread
    follower = verified_member()
    Subscription.objects.create(member=follower, forum=forum)
    Subscription.objects.create(member=starter, forum=forum)
    run_tasks()
    mail.outbox.clear()

    services.start_topic(author=starter, forum=forum, title="Nouveau sujet", body="Le début.")
    run_tasks()

    assert recipients() == [follower.email]
    assert "Nouveau sujet" in mail.outbox[0].subject


def test_a_topic_hidden_before_the_emails_went_out_is_told_to_moderators_only(thread, run_tasks):
    _forum, topic, starter = thread
    reader = verified_member()
    moderator = verified_member()
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    for member in (reader, moderator):
        Subscription.objects.create(member=member, topic=topic)
    run_tasks()
    mail.outbox.clear()

    services.reply(author=verified_member(), topic=topic, body="Une réponse.")
    write_follower_emails(time_limit=60)  # the worker has written them, not sent them
    services.set_topic_state(moderator=StaffFactory(), topic=topic, hidden=True)
    run_tasks()

    assert recipients() == [moderator.email]
    assert OutgoingEmail.objects.get(to=reader.email).status == "cancelled"


def test_a_topic_hidden_before_the_worker_wrote_the_emails_is_told_to_moderators_only(
    thread, run_tasks
):
    _forum, topic, starter = thread
    reader = verified_member()
    moderator = verified_member()
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    for member in (reader, moderator):
        Subscription.objects.create(member=member, topic=topic)
    run_tasks()
    mail.outbox.clear()

    services.reply(author=verified_member(), topic=topic, body="Une réponse.")
    services.set_topic_state(moderator=StaffFactory(), topic=topic, hidden=True)
    run_tasks()

    assert recipients() == [moderator.email]
    assert not OutgoingEmail.objects.filter(to=reader.email).exists()


class WorkerKilled(Exception):
    pass


def test_a_worker_killed_while_writing_the_emails_leaves_the_notice_for_the_next(thread, run_tasks):
    """The notice is deleted in the transaction that writes its emails: a worker that dies
    on the way leaves it, and the next worker writes them."""
    _forum, topic, _starter = thread
    follower = verified_member()
    Subscription.objects.create(member=follower, topic=topic)
    run_tasks()
    mail.outbox.clear()
    services.reply(author=verified_member(), topic=topic, body="Une réponse.")

    with pytest.raises(WorkerKilled), transaction.atomic():
        write_follower_emails(time_limit=60)
        assert OutgoingEmail.objects.count() == 1  # written…
        raise WorkerKilled  # …and the worker dies before its transaction commits
    assert FollowerNotice.objects.count() == 1
    assert not OutgoingEmail.objects.exists()

    run_tasks()
    assert recipients() == [follower.email]
    assert not FollowerNotice.objects.exists()


def test_a_reply_in_a_hidden_topic_is_written_to_moderators_only(thread, run_tasks):
    _forum, topic, _starter = thread
    reader = verified_member()
    moderator = verified_member()
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    for member in (reader, moderator):
        Subscription.objects.create(member=member, topic=topic)
    services.set_topic_state(moderator=StaffFactory(), topic=topic, hidden=True)
    run_tasks()
    mail.outbox.clear()

    services.reply(author=StaffFactory(), topic=topic, body="Entre modérateurs.")
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
        services.reply(author=verified_member(), topic=topic, body="Refusée.")
    run_tasks()
    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


# --- Unsubscribing -------------------------------------------------------------------------


@pytest.fixture
def emailed(thread, run_tasks):
    """A follower of the topic, and the unsubscribe link of the email they got."""
    _forum, topic, _starter = thread
    run_tasks()  # the first post's
    follower = verified_member(name="Abonnée")
    Subscription.objects.create(member=follower, topic=topic)
    services.reply(author=verified_member(), topic=topic, body="Du nouveau.")
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

    client.post(
        "/fr/blog/write/",
        {"title": "Brouillon", "body": "Pas encore.", "language": "fr", "action": "save"},
    )
    run_tasks()
    assert mail.outbox == []  # a draft tells nobody

    draft = BlogPost.objects.get()
    edit = f"/fr/blog/{draft.slug}/edit/"
    client.post(edit, form_values(client.get(edit), "blog-post-form") | {"action": "publish"})
    run_tasks()

    (message,) = mail.outbox
    assert message.to == [follower.email]
    assert "Awa Blogueuse" in message.subject and "Brouillon" in message.subject
    assert "Pas encore." in message.body
    assert f"{SITE}/fr/blog/{draft.slug}/" in message.body
    link = unsubscribe_link(message)
    Client().post(link)
    assert not Subscription.objects.exists()

    # Saving it again later tells nobody again.
    mail.outbox.clear()
    client.post(edit, form_values(client.get(edit), "blog-post-form") | {"action": "save"})
    run_tasks()
    assert mail.outbox == []


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
    run_tasks()
    assert mail.outbox == []

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


# --- In each follower's language -----------------------------------------------------------

# What a French-speaking author's action tells followers who read English or Spanish.
LANGUAGES = ["fr", "en", "es"]


@pytest.fixture
def translated_thread():
    """A forum named in three languages, a topic started by a French-speaking member, and
    followers of the topic and of the forum in each language."""
    forum = Forum.objects.create(
        name_fr="Diaspora et développement",
        name_en="Diaspora and development",
        name_es="Diáspora y desarrollo",
        slug="diaspora-developpement",
    )
    starter = verified_member(name="Awa Initiatrice", language="fr", follow_own_topics=False)
    topic = services.start_topic(
        author=starter, forum=forum, title="Envois de fonds", body="Premier message."
    )
    followers = {}
    for language in LANGUAGES:
        for follows, followed in (("topic", {"topic": topic}), ("forum", {"forum": forum})):
            member = verified_member(name=f"Follows the {follows} ({language})", language=language)
            Subscription.objects.create(member=member, **followed)
            followers[(follows, language)] = member
    return SimpleNamespace(forum=forum, topic=topic, starter=starter, followers=followers)


def message_to(member):
    (message,) = [message for message in mail.outbox if message.to == [member.email]]
    return message


def link_in_body(message, path_start: str) -> str:
    """The one link of the body whose path starts with ``path_start``."""
    (link,) = re.findall(rf"{SITE}({re.escape(path_start)}\S*)", message.body)
    return link


def test_a_reply_is_told_to_each_follower_in_their_language(client, translated_thread, run_tasks):
    scene = translated_thread
    run_tasks()  # the first post's
    mail.outbox.clear()
    client.force_login(verified_member(name="Répondeuse", language="fr"))

    client.post(
        f"/fr/forums/topics/{scene.topic.slug}/reply/",
        {"body": "Une réponse en français.", "language": "fr"},
    )
    run_tasks()

    post = scene.topic.posts.latest("created")
    assert len(mail.outbox) == 6
    for (follows, language), member in scene.followers.items():
        message = message_to(member)
        subject = tr("New reply in “%(title)s”", language) % {"title": "Envois de fonds"}
        assert message.subject == subject
        if language != "fr":
            assert subject != tr("New reply in “%(title)s”", "fr") % {"title": "Envois de fonds"}
        assert tr("Hello %(name)s,", language) % {"name": member.name} in message.body
        assert tr("Read it and reply:", language) in message.body
        assert "Une réponse en français." in message.body
        assert link_in_body(message, f"/{language}/forums/posts/") == (
            f"/{language}/forums/posts/{post.pk}/"
        )
        unsubscribe = link_in_body(message, f"/{language}/unsubscribe/")
        assert message.extra_headers["List-Unsubscribe"] == f"<{SITE}{unsubscribe}>"
        assert message.extra_headers["Content-Language"] == language
        if follows == "forum":  # the forum's name in the follower's language
            forum_name = getattr(scene.forum, f"name_{language}")
            reason = tr("You receive this email because you follow the forum %(forum)s.", language)
            assert reason % {"forum": forum_name} in message.body
        # The unsubscribe page opens in the email's language.
        page = parse(Client().get(unsubscribe))
        assert find(page, "html").attrs["lang"] == language
        assert text(find(find(page, "form", id="unsubscribe-form"), "button")) == tr(
            "Unsubscribe", language
        )
    assert "Diaspora and development" in message_to(scene.followers[("forum", "en")]).body
    assert "Diáspora y desarrollo" in message_to(scene.followers[("forum", "es")]).body


def test_a_new_blog_post_is_told_to_each_follower_in_their_language(client, run_tasks):
    author = verified_member(name="Awa Blogueuse", language="fr")
    followers = {language: verified_member(language=language) for language in LANGUAGES}
    for member in followers.values():
        Subscription.objects.create(member=member, blog_author=author)
    client.force_login(author)

    client.post(
        "/fr/blog/write/",
        {"title": "Retour de Kayes", "body": "Le voyage.", "language": "fr", "action": "publish"},
    )
    run_tasks()

    blog_post = BlogPost.objects.get()
    assert blog_post.published_at is not None
    assert len(mail.outbox) == 3
    for language, member in followers.items():
        message = message_to(member)
        values = {"author": "Awa Blogueuse", "title": "Retour de Kayes"}
        assert message.subject == tr("%(author)s published “%(title)s”", language) % values
        assert (
            tr("%(author)s published a blog post, “%(title)s”:", language) % values in message.body
        )
        assert tr("Stop these emails:", language) in message.body
        assert link_in_body(message, f"/{language}/blog/") == f"/{language}/blog/{blog_post.slug}/"
        unsubscribe = link_in_body(message, f"/{language}/unsubscribe/")
        assert message.extra_headers["List-Unsubscribe"] == f"<{SITE}{unsubscribe}>"
    english, spanish = message_to(followers["en"]), message_to(followers["es"])
    assert english.subject == "Awa Blogueuse published “Retour de Kayes”"
    assert spanish.subject != english.subject != message_to(followers["fr"]).subject


def test_the_email_is_rendered_once_per_language_not_once_per_person(thread, run_tasks):
    _forum, topic, _starter = thread
    run_tasks()
    mail.outbox.clear()
    readers = [verified_member(language=language) for language in ["en"] * 4 + ["es"] * 3]
    for member in readers:
        Subscription.objects.create(member=member, topic=topic)
    rendered = []

    def count(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(count)
    try:
        services.reply(author=verified_member(), topic=topic, body="Une réponse.")
        run_tasks()
    finally:
        template_rendered.disconnect(count)

    assert len(mail.outbox) == 7
    assert rendered.count("blogs/email/new_post.txt") == 2  # English and Spanish
    assert rendered.count("blogs/email/new_post_subject.txt") == 2
    # Still personal: each their own name and their own unsubscribe link.
    for member in readers:
        message = message_to(member)
        assert tr("Hello %(name)s,", member.language) % {"name": member.name} in message.body
        token = re.search(r"/unsubscribe/([^/\s]+)/", message.body).group(1)
        assert signing.loads(token, salt=UNSUBSCRIBE_SALT)["m"] == member.pk


@pytest.mark.parametrize("hidden", [False, True])
def test_writing_the_emails_takes_queries_that_do_not_grow_with_the_followers(
    thread, run_tasks, django_assert_num_queries, hidden
):
    """Posting writes one notice, whoever follows. The worker then reads it, the followers
    (then, for a hidden post, which of them are moderators), writes the outbox and deletes
    the notice: as many queries for two followers as for ten, in any languages."""
    _forum, topic, _starter = thread
    run_tasks()
    post = services.reply(author=verified_member(), topic=topic, body="Une réponse.")
    run_tasks()
    if hidden:
        services.set_topic_state(moderator=StaffFactory(), topic=topic, hidden=True)
    post = Post.objects.select_related("topic__forum", "author").get(pk=post.pk)
    moderators = Group.objects.get(name=MODERATORS_GROUP)
    # Per notice: its savepoint, the notice, the followers, (the moderators among them,) the
    # outbox rows, the notice deleted, the savepoint released; then one look finding none.
    expected = 10 if hidden else 9
    for count in (2, 10):
        FollowerNotice.objects.all().delete()
        Subscription.objects.filter(topic=topic).delete()
        OutgoingEmail.objects.all().delete()
        for n in range(count):
            member = verified_member(language=LANGUAGES[n % 3])
            member.groups.add(moderators)
            Subscription.objects.create(member=member, topic=topic, created=post.created)
        with django_assert_num_queries(1):
            notifications.post_created(post, opened_topic=False)
        with django_assert_num_queries(expected):
            notifications.write_follower_emails(time_limit=60)
        assert OutgoingEmail.objects.filter(status="pending").count() == count


def test_writing_a_blog_posts_emails_takes_queries_that_do_not_grow_with_the_followers(
    django_assert_num_queries,
):
    author = verified_member()
    blog_post = blog_services.write_blog_post(
        author=author, publish=True, title="Titre", body="Texte."
    )
    for count in (2, 10):
        FollowerNotice.objects.all().delete()
        Subscription.objects.filter(blog_author=author).delete()
        OutgoingEmail.objects.all().delete()
        for n in range(count):
            member = verified_member(language=LANGUAGES[n % 3])
            Subscription.objects.create(member=member, blog_author=author)
        with django_assert_num_queries(1):
            notifications.blog_post_published(blog_post)
        with django_assert_num_queries(9):  # as for a forum post's, above
            notifications.write_follower_emails(time_limit=60)
        assert OutgoingEmail.objects.filter(status="pending").count() == count
