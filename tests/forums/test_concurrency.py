"""The forums under concurrent writers, against PostgreSQL: members replying while
moderators hide posts of the same topic (no deadlock, no error, counters exactly right), two
people saving the same post at once (one is told of the conflict, nothing is lost), and the
same form sent twice at the same moment (one topic, one reply; one blog post:
tests/blogs/test_concurrency.py).

Each thread has its own database connection (Django's are per thread), closed when the
thread ends; the tests are transactional, so that what one thread commits is what the
others see.
"""

import random
import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from forums import services
from forums.models import MODERATORS_GROUP, Forum, Post, PostRevision, Topic
from tests.factories import verified_member
from tests.forms import form_values
from tests.html import find, parse, text

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
OPERATIONS = 10
TIMEOUT = 120  # seconds: far more than the work needs; a deadlock would hang


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def generous_posting_rate(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "forum_post": "1000/m/user",
    }


def moderator(**fields):
    member = verified_member(**fields)
    # get_or_create: a transactional test before this one flushed what migrations created.
    member.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return member


def run_together(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Run each worker in its own thread, all starting at once; the exceptions raised."""
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        try:
            start.wait()
            work()
        except BaseException as error:  # noqa: B036 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "writers still waiting: a deadlock"
    return errors


def assert_counters_exact(topic: Topic) -> None:
    topic.refresh_from_db()
    visible = Post.objects.filter(topic=topic, is_hidden=False)
    newest = visible.order_by("-created", "-id").first()
    assert topic.post_count == visible.count()
    assert topic.last_post_id == newest.pk
    assert topic.last_activity == newest.created


@pytest.fixture
def counters_checked_at_every_commit():
    """Make PostgreSQL check, as each transaction that wrote a topic or a post commits,
    that the topic's counters are those of its posts then: a write that computed them
    from what it read before others committed is refused there and then (an error in
    that thread), even if a later write would have put them right again."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_topic_counters_right() RETURNS trigger AS $$
            DECLARE
                checked integer := (to_jsonb(NEW) ->> TG_ARGV[0])::integer;
                saved forums_topic%ROWTYPE;
                visible integer;
                newest integer;
            BEGIN
                SELECT * INTO saved FROM forums_topic WHERE id = checked;
                SELECT count(*) INTO visible
                  FROM forums_post WHERE topic_id = checked AND NOT is_hidden;
                SELECT id INTO newest FROM forums_post
                 WHERE topic_id = checked AND NOT is_hidden
                 ORDER BY created DESC, id DESC LIMIT 1;
                IF saved.post_count <> visible OR saved.last_post_id IS DISTINCT FROM newest
                THEN
                    RAISE EXCEPTION 'topic % committed with % posts and last post %, '
                                    'when it has % and %',
                        checked, saved.post_count, saved.last_post_id, visible, newest;
                END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE CONSTRAINT TRIGGER test_topic_counters_right
                AFTER INSERT OR UPDATE ON forums_topic DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION test_topic_counters_right('id');
            CREATE CONSTRAINT TRIGGER test_topic_counters_right
                AFTER INSERT OR UPDATE ON forums_post DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION test_topic_counters_right('topic_id');
            """
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DROP TRIGGER test_topic_counters_right ON forums_topic;
            DROP TRIGGER test_topic_counters_right ON forums_post;
            DROP FUNCTION test_topic_counters_right();
            """
        )


@pytest.fixture
def thread_with_posts():
    """A topic with 20 replies for moderators to hide."""
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    author = verified_member(name="Awa Diop")
    topic = services.start_topic(author=author, forum=forum, title="Remesas", body="Premier.")
    replies = [services.reply(author=author, topic=topic, body=f"Réponse {n}") for n in range(20)]
    return topic, replies


# --- Replying while moderators hide -----------------------------------------------------------


def test_replying_and_hiding_in_one_topic_at_once_through_the_services(
    thread_with_posts, counters_checked_at_every_commit
):
    topic, replies = thread_with_posts
    members = [verified_member() for _ in range(THREADS - 2)]
    moderators = [moderator(), moderator()]
    rng = random.Random(9)

    def replier(member):
        def work():
            for n in range(OPERATIONS):
                services.reply(author=member, topic=topic, body=f"{member.pk}: {n}")

        return work

    def hider(who, posts):
        def work():
            for post in posts:
                services.hide_post(moderator=who, post=post, reason="Hors sujet.")
                # And the newest visible post, which the topic shows as its last one.
                newest = Post.objects.filter(topic=topic, is_hidden=False).latest("created", "id")
                if rng.random() < 0.5:
                    services.hide_post(moderator=who, post=newest, reason="Doublon.")

        return work

    workers = [replier(member) for member in members]
    workers += [hider(moderators[0], replies[:10]), hider(moderators[1], replies[10:])]

    errors = run_together(workers)

    assert errors == []
    assert Post.objects.filter(topic=topic).count() == 1 + 20 + (THREADS - 2) * OPERATIONS
    assert not any(Post.objects.filter(pk__in=[r.pk for r in replies], is_hidden=False))
    assert_counters_exact(topic)


def test_replying_and_hiding_in_one_topic_at_once_through_the_site(
    thread_with_posts, counters_checked_at_every_commit
):
    topic, replies = thread_with_posts
    members = [verified_member() for _ in range(THREADS - 2)]
    moderators = [moderator(), moderator()]
    reply_url = reverse("forums:reply", kwargs={"slug": topic.slug})
    answers = []

    def replier(member):
        def work():
            client = Client()
            client.force_login(member)
            for n in range(OPERATIONS):
                answers.append(client.post(reply_url, {"body": f"Réponse {n}", "language": "fr"}))

        return work

    def hider(who, posts):
        def work():
            client = Client()
            client.force_login(who)
            for post in posts:
                hide = reverse("forums:hide_post", kwargs={"pk": post.pk})
                answers.append(client.post(hide, {"reason": "Hors sujet."}))

        return work

    workers = [replier(member) for member in members]
    workers += [hider(moderators[0], replies[:10]), hider(moderators[1], replies[10:])]

    errors = run_together(workers)

    assert errors == []
    assert len(answers) == THREADS * OPERATIONS
    assert sorted({answer.status_code for answer in answers}) == [302]
    assert Post.objects.filter(topic=topic, is_hidden=True).count() == 20
    assert Post.objects.filter(topic=topic).count() == 1 + 20 + (THREADS - 2) * OPERATIONS
    assert_counters_exact(topic)


# --- Two people saving the same post --------------------------------------------------------


def test_two_people_saving_the_same_post_at_once(thread_with_posts):
    """The author and a moderator open the same post and save at the same moment: one is
    saved, the other is shown the conflict with both texts; nothing is lost."""
    topic, _replies = thread_with_posts
    post = topic.posts.order_by("created", "id").first()
    author, other = post.author, moderator(name="Modeste")
    edit = reverse("forums:edit_post", kwargs={"pk": post.pk})
    texts = {author.pk: "Le texte de l'autrice.", other.pk: "Le texte du modérateur."}
    answers = {}

    def editor(person):
        client = Client()
        client.force_login(person)
        form = form_values(client.get(edit), "edit-form")

        def work():
            answers[person.pk] = client.post(edit, form | {"body": texts[person.pk]})

        return work

    errors = run_together([editor(author), editor(other)])

    assert errors == []
    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [302, 409]
    (saved_by,) = [pk for pk, answer in answers.items() if answer.status_code == 302]
    (refused_to,) = [pk for pk, answer in answers.items() if answer.status_code == 409]
    post.refresh_from_db()
    assert post.body == texts[saved_by]
    conflict = parse(answers[refused_to])
    assert text(find(conflict, "div", "saved-text")) == texts[saved_by]
    assert text(find(find(conflict, "form", id="edit-form"), "textarea")) == texts[refused_to]
    assert PostRevision.objects.get(post=post).body == "Premier."


# --- The same form sent twice at once ---------------------------------------------------------


def twice_at_once(member, url, form_id, changes) -> list:
    """Two clients of ``member`` post the same form (same token) at the same moment."""
    first, second = Client(), Client()
    for client in (first, second):
        client.force_login(member)
    data = form_values(first.get(url), form_id) | changes
    answers = []

    def send(client):
        return lambda: answers.append(client.post(url, data))

    assert run_together([send(first), send(second)]) == []
    return answers


def test_a_reply_sent_twice_at_once_is_written_once(thread_with_posts):
    topic, _replies = thread_with_posts
    member = verified_member()
    url = reverse("forums:reply", kwargs={"slug": topic.slug})

    answers = twice_at_once(member, url, "reply-form", {"body": "Une seule fois."})

    (post,) = Post.objects.filter(author=member)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer.url for answer in answers} == {
        f"{topic.get_absolute_url()}?page=2#post-{post.pk}"
    }
    assert_counters_exact(topic)


def test_a_topic_sent_twice_at_once_is_started_once():
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    member = verified_member()
    url = reverse("forums:new_topic", kwargs={"slug": forum.slug})

    answers = twice_at_once(member, url, "topic-form", {"title": "Un sujet", "body": "Texte."})

    (topic,) = Topic.objects.filter(author=member)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer.url for answer in answers} == {topic.get_absolute_url()}
    assert topic.posts.count() == 1


def test_two_topics_with_the_same_title_at_once_are_both_started():
    """Different forms (different tokens), the same title: two topics, two addresses."""
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    authors = [verified_member() for _ in range(4)]

    def start(author):
        return lambda: services.start_topic(
            author=author, forum=forum, title="Même titre", body="Texte."
        )

    assert run_together([start(author) for author in authors]) == []
    slugs = set(Topic.objects.values_list("slug", flat=True))
    assert len(slugs) == 4
