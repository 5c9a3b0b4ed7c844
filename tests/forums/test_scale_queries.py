"""The forum pages run a fixed number of SQL queries whatever the size of the forums: the
index, a forum's page, a topic's first page and the last page of a long topic, for a visitor
and for a member; and a member's read mark is written only when they read further.
"""

import datetime
import itertools
import math
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.text import render_markdown
from forums import services
from forums.models import Forum, Post, ReadMark, Topic
from forums.views.topics import POSTS_PER_PAGE
from network.models import Member, Visibility
from tests.factories import verified_member
from tests.html import find, find_all, parse, text, tr

# Far above what any of these pages needs, far below one query per row.
MAX_QUERIES = 10
WRITES = ("INSERT", "UPDATE", "DELETE")

NUMBERS = itertools.count()


def add_members(count: int) -> list[Member]:
    """``count`` members sharing their profile with everyone, their addresses confirmed,
    inserted in bulk."""
    numbers = [next(NUMBERS) for _ in range(count)]
    members = Member.objects.bulk_create(
        Member(
            email=f"scale{n}@example.org",
            name=f"Membre {n}",
            slug=f"membre-{n}",
            visibility=Visibility.EVERYONE,
        )
        for n in numbers
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=member, email=member.email, verified=True, primary=True)
        for member in members
    )
    return members


def add_posts(topic: Topic, authors: list[Member], count: int) -> None:
    """``count`` replies to ``topic``, one minute apart after its last one, each by the next
    of ``authors`` (one in ten hidden by a moderator), then its counters recomputed."""
    start = Post.objects.filter(topic=topic).order_by("-created").values_list("created")[0][0]
    Post.objects.bulk_create(
        Post(
            topic=topic,
            author=authors[n % len(authors)],
            body=f"Réponse {n}",
            body_html=render_markdown(f"Réponse {n}"),
            created=start + datetime.timedelta(minutes=n + 1),
            is_hidden=n % 10 == 9,
            hidden_reason="Hors sujet" if n % 10 == 9 else "",
        )
        for n in range(count)
    )
    services.refresh_topic(topic)


def add_topics(world, count: int, authors: list[Member]) -> None:
    """``count`` topics in the world's forum, each by the next of ``authors`` with a reply
    by another, one in twenty pinned."""
    now = timezone.now()
    for n in range(count):
        number = len(world.topics)
        topic = Topic.objects.create(
            forum=world.forum,
            title=f"Sujet {number}",
            slug=f"sujet-{number}",
            author=authors[n % len(authors)],
            is_pinned=number % 20 == 0,
            created=now - datetime.timedelta(days=number + 1),
        )
        Post.objects.create(
            topic=topic, author=topic.author, body="Premier message.", created=topic.created
        )
        add_posts(topic, [authors[(n + 1) % len(authors)]], 1)
        world.topics.append(topic)


def analyze() -> None:
    """As autovacuum does after a bulk load: without statistics, PostgreSQL plans for empty
    tables."""
    tables = [Member, EmailAddress, Forum, Topic, Post, ReadMark]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


@pytest.fixture
def world(db):
    """A forum holding a long topic, and a few more forums around it."""
    forum = Forum.objects.create(name="Diaspora et investissement", slug="diaspora", order=1)
    for n in range(3):
        Forum.objects.create(name=f"Autre forum {n}", slug=f"autre-{n}", order=2 + n)
    authors = add_members(10)
    world = SimpleNamespace(forum=forum, topics=[], authors=authors)
    world.long = services.start_topic(
        author=verified_member(name="Awa Diop"), forum=forum, title="Transferts", body="x"
    )
    # Started a month ago: its replies, a minute apart, are all in the past.
    month_ago = timezone.now() - datetime.timedelta(days=30)
    Topic.objects.filter(pk=world.long.pk).update(created=month_ago)
    Post.objects.filter(topic=world.long).update(created=month_ago)
    add_topics(world, 4, authors)
    add_posts(world.long, authors, 29)
    analyze()
    return world


def grow(world) -> None:
    """Ten times the members, topics and posts: 60 topics, a topic of 300 posts by 100
    members."""
    authors = add_members(90) + world.authors
    add_topics(world, 55, authors)
    for forum in Forum.objects.exclude(pk=world.forum.pk):
        Topic.objects.create(
            forum=forum, title="Ailleurs", slug=f"ailleurs-{forum.pk}", author=authors[0]
        )
    add_posts(world.long, authors, 270)
    analyze()


def last_page(topic: Topic) -> str:
    posts = Post.objects.filter(topic=topic).count()
    return f"{topic.get_absolute_url()}?page={math.ceil(posts / POSTS_PER_PAGE)}"


PAGES = {
    "forums index": lambda world: reverse("forums:index"),
    "forum page": lambda world: world.forum.get_absolute_url(),
    "topic page 1": lambda world: world.long.get_absolute_url(),
    "last page of a long topic": lambda world: last_page(world.long),
}


def count_queries(client, url: str) -> tuple[int, str]:
    """The queries of a first look at ``url`` (read marks forgotten: each look writes the
    member's mark once, as a first reading does)."""
    ReadMark.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "member"])
@pytest.mark.parametrize("page", PAGES)
def test_forum_pages_run_as_many_queries_at_ten_times_the_size(client, world, page, logged_in):
    if logged_in:
        client.force_login(verified_member(name="Lectrice"))
    few, html = count_queries(client, PAGES[page](world))
    assert "Membre " in html  # the pages show who wrote

    grow(world)
    assert Post.objects.filter(topic=world.long).count() == 300
    assert Topic.objects.filter(forum=world.forum).count() == 60
    many, _html = count_queries(client, PAGES[page](world))

    assert many == few, f"{page}: {few} queries at the small size, {many} at ten times it"
    assert few <= MAX_QUERIES, f"{page}: {few} queries"


def test_moderators_pages_run_as_many_queries_at_ten_times_the_size(client, world):
    moderator = verified_member(name="Modeste Rateur", is_superuser=True)
    client.force_login(moderator)
    few = [count_queries(client, PAGES[page](world))[0] for page in PAGES]
    grow(world)
    many = [count_queries(client, PAGES[page](world))[0] for page in PAGES]
    assert many == few
    assert max(few) <= MAX_QUERIES


def test_the_last_page_of_a_long_topic_numbers_its_posts_and_shows_their_authors(client, world):
    grow(world)
    response = client.get(last_page(world.long))
    posts = list(Post.objects.filter(topic=world.long).order_by("created", "id"))
    articles = find_all(parse(response), "article", "post")
    assert [article.attrs["id"] for article in articles] == [
        f"post-{post.pk}" for post in posts[280:]
    ]
    links = [
        text(find(article, "a", href=reverse("forums:post", kwargs={"pk": post.pk})))
        for article, post in zip(articles, posts[280:], strict=True)
    ]
    assert links == [f"#{n}" for n in range(281, 301)]
    shown = [post for post in posts[280:] if not post.is_hidden]
    assert all(post.author.display_name in response.content.decode() for post in shown)


# --- read marks ------------------------------------------------------------------------------


def writes_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries if query["sql"].lstrip().startswith(WRITES)]


def mark_of(member, topic) -> ReadMark:
    return ReadMark.objects.get(member=member, topic=topic)


def test_reading_a_page_again_writes_nothing(client, world):
    reader = verified_member()
    client.force_login(reader)
    url = world.long.get_absolute_url()

    assert len(writes_of(client, url)) == 1  # the first reading leaves a mark
    mark = mark_of(reader, world.long)
    page_one = list(Post.objects.filter(topic=world.long).order_by("created", "id"))[:20]
    assert mark.last_read_post_id == max(post.pk for post in page_one)

    assert writes_of(client, url) == []
    again = mark_of(reader, world.long)
    assert (again.last_read_post_id, again.updated) == (mark.last_read_post_id, mark.updated)


def test_reading_further_moves_the_mark_and_going_back_does_not(client, world):
    reader = verified_member()
    client.force_login(reader)
    posts = list(Post.objects.filter(topic=world.long).order_by("created", "id"))
    url = world.long.get_absolute_url()
    client.get(url)

    assert len(writes_of(client, url + "?page=2")) == 1
    assert mark_of(reader, world.long).last_read_post == posts[-1]

    assert writes_of(client, url) == []  # page 1 again: the mark stays on page 2
    assert mark_of(reader, world.long).last_read_post == posts[-1]

    reply = services.reply(author=world.long.author, topic=world.long, body="Du nouveau")
    assert len(writes_of(client, url + "?page=2")) == 1
    assert mark_of(reader, world.long).last_read_post == reply


def test_the_forum_page_tells_a_member_what_is_new(client, world):
    reader = verified_member()
    client.force_login(reader)
    unread_url = reverse("forums:topic_unread", kwargs={"slug": world.long.slug})

    def long_topic_row() -> tuple[str, list[str]]:
        """The long topic's row on the forum page: its "unread" link, its badges."""
        rows = find_all(parse(client.get(world.forum.get_absolute_url())), "li", "topic-row")
        row = next(row for row in rows if find_all(row, "a", href=unread_url))
        links = find(row, "p", "topic-links")
        return text(find(links, "a", href=unread_url)), [
            text(badge) for badge in find_all(links, "span", "badge")
        ]

    assert long_topic_row() == (tr("First unread post"), [tr("New")])  # never read
    client.get(world.long.get_absolute_url())
    assert long_topic_row() == (tr("First unread post"), [tr("New")])  # page 2 is unread
    client.get(last_page(world.long))
    assert long_topic_row() == (tr("Last read"), [])
    services.reply(author=world.long.author, topic=world.long, body="Du nouveau")
    assert long_topic_row() == (tr("First unread post"), [tr("New")])
