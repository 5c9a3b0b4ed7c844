"""Reading and writing in the forums: categories, topics, posts, replies, quotes, edits and
previews, for each kind of actor (anonymous visitor, member whose email is not verified,
verified member, the author, moderator, staff); pagination and "last read" links; rate
limits; an XSS corpus; query counts; topics on project pages; the seed and the admin.

Interface strings are compared with what gettext gives for the page's language, so the
tests hold whether or not a string is translated yet.
"""

import datetime
import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.text import render_markdown
from forums import services
from forums.models import (
    MODERATORS_GROUP,
    Forum,
    Post,
    PostRevision,
    ReadMark,
    Topic,
    TopicKind,
)
from forums.seed import load_forums
from network.models import Member, Visibility
from tests.factories import MemberFactory, ProjectFactory, StaffFactory, ThemeFactory, verify
from tests.forms import form_values
from tests.forums.caches import OutageCache
from tests.html import Node, find, find_all, parse, text, tr, tr_count

INDEX = "/fr/forums/"
PREVIEW = "/fr/forums/preview/"


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path.endswith("/accounts/login/")


# --- data and actors -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def make_member(verified=True, **fields) -> Member:
    member = MemberFactory(**fields)
    return verify(member) if verified else member


def make_moderator() -> Member:
    moderator = make_member(name="Modeste Rateur")
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return moderator


@pytest.fixture
def forum(db):
    return Forum.objects.create(
        name="Diaspora et investissement", name_en="Diaspora and investment", slug="diaspora"
    )


@pytest.fixture
def author(db):
    return make_member(name="Awa Diop", visibility=Visibility.EVERYONE)


@pytest.fixture
def topic(forum, author):
    return services.start_topic(
        author=author, forum=forum, title="Transferts et épargne", body="Premier message."
    )


def forum_url(forum: Forum) -> str:
    return reverse("forums:forum", kwargs={"slug": forum.slug})


def topic_url(topic: Topic) -> str:
    return reverse("forums:topic", kwargs={"slug": topic.slug})


def reply_url(topic: Topic) -> str:
    return reverse("forums:reply", kwargs={"slug": topic.slug})


def new_topic_url(forum: Forum) -> str:
    return reverse("forums:new_topic", kwargs={"slug": forum.slug})


def edit_url(post: Post) -> str:
    return reverse("forums:edit_post", kwargs={"pk": post.pk})


def add_posts(topic: Topic, count: int, author=None, start=None) -> list[Post]:
    """``count`` replies, one minute apart after the topic's last post, in one query."""
    author = author or topic.author
    start = start or topic.last_activity
    posts = Post.objects.bulk_create(
        Post(
            topic=topic,
            author=author,
            body=f"Réponse {n}",
            body_html=render_markdown(f"Réponse {n}"),
            created=start + datetime.timedelta(minutes=n + 1),
        )
        for n in range(count)
    )
    services.refresh_topic(topic)
    return posts


ACTORS = ["anonymous", "unverified", "verified", "author", "moderator", "staff"]


def actor(name, client, topic_author):
    """Log ``client`` in as the kind of person named; return that person (None: anonymous)."""
    person = {
        "anonymous": lambda: None,
        "unverified": lambda: make_member(verified=False),
        "verified": lambda: make_member(),
        "author": lambda: topic_author,
        "moderator": make_moderator,
        "staff": lambda: StaffFactory(),
    }[name]()
    if person is not None:
        client.force_login(person)
    return person


def main_html(response) -> str:
    content = response.content.decode()
    return content[content.index("<main") : content.index("</main>")]


def textarea(response, form_id: str) -> str:
    """The text of the form's textarea, whatever the status of the response."""
    return text(find(find(parse(response), "form", id=form_id), "textarea"))


def post_article(response, post: Post) -> Node:
    return find(parse(response), "article", id=f"post-{post.pk}")


# --- the forum index -----------------------------------------------------------------------


def test_forum_index_shows_categories_with_counts_and_last_poster(client, forum, topic, author):
    other = Forum.objects.create(name="Gouvernance locale", slug="gouvernance", order=2)
    replier = make_member(name="Carlos Pérez")
    services.reply(author=replier, topic=topic, body="Bonne idée.")
    services.start_topic(author=author, forum=forum, title="Deuxième sujet", body="Texte.")

    response = client.get(INDEX)

    assert response.status_code == 200
    rows = find_all(parse(response), "li", "forum-row")
    assert [text(find(row, "h2")) for row in rows] == [forum.name, other.name]
    first = rows[0]
    assert text(find(first, "span", "topic-count")) == tr_count(
        "%(counter)s topic", "%(counter)s topics", 2
    )
    assert text(find(first, "span", "post-count")) == tr_count(
        "%(counter)s post", "%(counter)s posts", 3
    )
    assert "Deuxième sujet" in text(find(first, "span", "last-activity"))
    assert not find_all(rows[1], "span", "last-activity")


def test_forum_index_counts_hidden_topics_for_moderators_only(client, forum, topic, author):
    hidden = services.start_topic(author=author, forum=forum, title="Sujet caché", body="Texte.")
    services.set_topic_state(moderator=make_moderator(), topic=hidden, hidden=True)

    anonymous = find(parse(client.get(INDEX)), "li", "forum-row")
    assert text(find(anonymous, "span", "topic-count")).startswith("1")
    assert "Sujet caché" not in text(anonymous)

    client.force_login(make_moderator())
    moderator = find(parse(client.get(INDEX)), "li", "forum-row")
    assert text(find(moderator, "span", "topic-count")).startswith("2")


def test_forum_index_names_a_deleted_account_former_member(client, forum, topic, author):
    Member.objects.filter(pk=author.pk).update(deleted_at=timezone.now(), name="")
    page = text(find(parse(client.get(INDEX)), "li", "forum-row"))
    assert tr("Former member") in page
    assert "Awa Diop" not in page


# --- a forum's topics ----------------------------------------------------------------------


def test_forum_lists_pinned_topics_first_then_newest_activity(client, forum, author):
    old = services.start_topic(author=author, forum=forum, title="Ancien", body="a")
    pinned = services.start_topic(author=author, forum=forum, title="Épinglé", body="b")
    recent = services.start_topic(author=author, forum=forum, title="Récent", body="c")
    services.reply(
        author=make_member(name="Replier"), topic=old, body="relance"
    )  # old is now the most active
    services.set_topic_state(moderator=make_moderator(), topic=pinned, pinned=True)

    response = client.get(forum_url(forum))

    titles = [text(find(row, "a")) for row in find_all(parse(response), "h2", "topic-title")]
    assert titles == ["Épinglé", "Ancien", "Récent"]
    old_row = find_all(parse(response), "li", "topic-row")[1]
    assert text(find(old_row, "span", "reply-count")) == tr_count(
        "%(counter)s reply", "%(counter)s replies", 1
    )
    assert "Replier" in text(find(old_row, "span", "last-post"))
    unread = reverse("forums:topic_unread", kwargs={"slug": old.slug})
    assert find_all(old_row, "a", href=unread)
    assert find_all(old_row, "a", href=topic_url(old))
    assert recent.post_count == 1


def test_forum_is_paginated(client, forum, author):
    for n in range(30):
        services.start_topic(author=author, forum=forum, title=f"Sujet {n}", body="x")
    first = parse(client.get(forum_url(forum)))
    second = parse(client.get(forum_url(forum) + "?page=2"))
    assert len(find_all(first, "li", "topic-row")) == 25
    assert len(find_all(second, "li", "topic-row")) == 5
    assert client.get(forum_url(forum) + "?page=abc").status_code == 200


@pytest.mark.parametrize("who", ACTORS)
def test_forum_page_for_each_actor(client, forum, topic, author, who):
    hidden = services.start_topic(author=author, forum=forum, title="Sujet caché", body="Texte.")
    services.set_topic_state(moderator=make_moderator(), topic=hidden, hidden=True)
    actor(who, client, author)

    response = client.get(forum_url(forum))

    assert response.status_code == 200
    titles = [text(find(row, "a")) for row in find_all(parse(response), "h2", "topic-title")]
    sees_hidden = who in ("moderator", "staff")
    assert ("Sujet caché" in titles) is sees_hidden
    assert topic.title in titles
    start_link = find_all(parse(response), "a", href=new_topic_url(forum))
    assert bool(start_link) is (who not in ("anonymous", "unverified"))


def test_unknown_forum_is_404(client, db):
    assert client.get("/fr/forums/nowhere/").status_code == 404


# --- a topic's page ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_topic_page_for_each_actor(client, topic, author, who):
    person = actor(who, client, author)

    response = client.get(topic_url(topic))

    assert response.status_code == 200
    page = parse(response)
    assert text(find(page, "h1")) == topic.title
    first_post = topic.posts.get()
    assert text(find(post_article(response, first_post), "div", "post-body")) == "Premier message."
    has_form = bool(find_all(page, "form", id="reply-form"))
    assert has_form is (who not in ("anonymous", "unverified"))
    refusal = find_all(page, "p", "posting-refusal")
    if who == "anonymous":
        login = reverse("account_login") + f"?next={topic_url(topic)}"
        assert find_all(refusal[0], "a", href=login)
    if who == "unverified":
        assert tr("Confirm your email address before you write.") in text(refusal[0])
    edit_links = find_all(page, "a", href=edit_url(first_post))
    assert bool(edit_links) is (who in ("author", "moderator", "staff"))
    if person is not None:
        assert ReadMark.objects.get(member=person, topic=topic).last_read_post == first_post
    else:
        assert not ReadMark.objects.exists()


def test_hidden_topic_is_404_but_for_moderators(client, topic, author):
    services.set_topic_state(moderator=make_moderator(), topic=topic, hidden=True)
    assert client.get(topic_url(topic)).status_code == 404
    client.force_login(author)
    assert client.get(topic_url(topic)).status_code == 404
    client.force_login(make_moderator())
    assert client.get(topic_url(topic)).status_code == 200


def test_topic_page_shows_author_links_dates_and_edited_mark(client, topic, author):
    hidden_profile = make_member(name="Discrète", visibility=Visibility.NOBODY)
    post = services.reply(author=hidden_profile, topic=topic, body="Moi aussi.")
    first = topic.posts.first()
    services.edit_post(
        editor=author, post=first, body="Premier message, revu.", version=first.version
    )

    response = client.get(topic_url(topic))

    first_article = post_article(response, first)
    assert find(first_article, "a", "author").attrs["href"] == author.get_absolute_url()
    assert find_all(first_article, "span", "edited")
    assert find_all(first_article, "time")
    discreet = post_article(response, post)
    assert not find_all(discreet, "a", "author")
    assert text(find(discreet, "span", "author")) == "Discrète"
    assert not find_all(discreet, "span", "edited")


def test_topic_page_names_deleted_accounts_former_member(client, topic, author):
    Member.objects.filter(pk=author.pk).update(deleted_at=timezone.now(), name="")
    article = post_article(client.get(topic_url(topic)), topic.posts.get())
    assert text(find(article, "span", "author")) == tr("Former member")
    assert not find_all(article, "a", "author")


def test_hidden_post_is_a_placeholder_but_for_moderators(client, topic, author):
    moderator = make_moderator()
    post = services.reply(author=make_member(), topic=topic, body="Texte déplacé")
    services.hide_post(moderator=moderator, post=post, reason="Hors sujet")

    for who in (None, author, make_member()):
        if who:
            client.force_login(who)
        article = post_article(client.get(topic_url(topic)), post)
        assert "Texte déplacé" not in text(article)
        assert "Hors sujet" not in text(article)
        assert text(find(article, "p", "hidden-placeholder")) == tr(
            "This post was hidden by a moderator."
        )

    client.force_login(moderator)
    article = post_article(client.get(topic_url(topic)), post)
    assert "Texte déplacé" in text(article)
    assert "Hors sujet" in text(find(article, "p", "hidden-reason"))


def test_topic_page_shows_its_project_country_and_theme(client, forum, author):
    project = ProjectFactory(title="Projet d'Upala")
    theme = ThemeFactory(name="Transferts", name_en="Remittances")
    topic = services.start_topic(
        author=author,
        forum=forum,
        title="Lié",
        body="x",
        project=project,
        country="CR",
        theme=theme,
    )
    links = find(parse(client.get(topic_url(topic))), "ul", "topic-links")
    assert find_all(links, "a", href=project.get_absolute_url())
    assert find_all(links, "a", href="/fr/countries/cr/")
    assert "Transferts" in text(links)


def test_topic_page_explains_locked_and_ediscussion_dates(client, forum, author):
    member = make_member()
    client.force_login(member)
    moderator = make_moderator()
    locked = services.start_topic(author=author, forum=forum, title="Verrouillé", body="x")
    services.set_topic_state(moderator=moderator, topic=locked, locked=True)
    now = timezone.now()
    future = services.start_topic(
        author=moderator,
        forum=forum,
        title="À venir",
        body="x",
        kind=TopicKind.EDISCUSSION,
        starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=9),
    )
    past = services.start_topic(
        author=moderator,
        forum=forum,
        title="Passée",
        body="x",
        kind=TopicKind.EDISCUSSION,
        starts_at=now - datetime.timedelta(days=9),
        ends_at=now - datetime.timedelta(days=2),
    )
    expected = {
        locked: "This topic is locked: it takes no more replies.",
        future: "This e-discussion opens on %(date)s.",
        past: "This e-discussion closed on %(date)s.",
    }
    for shown, message in expected.items():
        page = parse(client.get(topic_url(shown)))
        assert not find_all(page, "form", id="reply-form")
        refusal = text(find(page, "p", "posting-refusal"))
        assert refusal.startswith(tr(message).split("%(date)s")[0].strip())


# --- pagination, post addresses and "last read" ---------------------------------------------


def test_topic_with_100_posts_is_paginated_by_20(client, topic):
    add_posts(topic, 99)
    assert topic.post_count == 100
    last_page = parse(client.get(topic_url(topic) + "?page=5"))
    articles = find_all(last_page, "article", "post")
    assert len(articles) == 20
    assert "Réponse 98" in text(articles[-1])
    assert len(find_all(parse(client.get(topic_url(topic) + "?page=9")), "article", "post")) == 20
    nav = find(last_page, "nav", "pagination")
    assert find_all(nav, "a", rel="prev")


@pytest.mark.parametrize(("index", "page"), [(0, 1), (19, 1), (20, 2), (57, 3), (99, 5)])
def test_post_redirect_lands_on_the_posts_page(client, topic, index, page):
    add_posts(topic, 99)
    post = list(topic.posts.order_by("created", "id"))[index]

    response = client.get(reverse("forums:post", kwargs={"pk": post.pk}))

    assert response.status_code == 302
    assert response.url == f"{topic_url(topic)}?page={page}#post-{post.pk}"
    landing = client.get(response.url)
    assert find_all(parse(landing), "article", id=f"post-{post.pk}")


def test_post_redirect_of_a_hidden_topic_is_404(client, topic):
    services.set_topic_state(moderator=make_moderator(), topic=topic, hidden=True)
    post = topic.posts.get()
    assert client.get(reverse("forums:post", kwargs={"pk": post.pk})).status_code == 404
    assert client.get(reverse("forums:post", kwargs={"pk": 987654})).status_code == 404


def test_unread_goes_to_the_first_post_after_the_read_mark(client, topic):
    posts = [topic.posts.get(), *add_posts(topic, 59)]
    reader = make_member()
    client.force_login(reader)
    unread = reverse("forums:topic_unread", kwargs={"slug": topic.slug})

    # Never read: the newest post.
    assert client.get(unread).url == f"{topic_url(topic)}?page=3#post-{posts[-1].pk}"

    client.get(topic_url(topic) + "?page=2")  # reads posts 21–40
    assert ReadMark.objects.get(member=reader, topic=topic).last_read_post == posts[39]
    assert client.get(unread).url == f"{topic_url(topic)}?page=3#post-{posts[40].pk}"

    client.get(topic_url(topic))  # page 1 again: the mark does not move back
    assert ReadMark.objects.get(member=reader, topic=topic).last_read_post == posts[39]

    client.get(topic_url(topic) + "?page=3")  # everything read: the newest post
    assert client.get(unread).url == f"{topic_url(topic)}?page=3#post-{posts[-1].pk}"


def test_unread_skips_hidden_posts_for_members(client, topic):
    posts = [topic.posts.get(), *add_posts(topic, 3)]
    reader = make_member()
    client.force_login(reader)
    client.get(topic_url(topic))
    reply = services.reply(author=make_member(), topic=topic, body="nouveau")
    hidden = services.reply(author=make_member(), topic=topic, body="caché")
    services.hide_post(moderator=make_moderator(), post=hidden, reason="spam")
    services.hide_post(moderator=make_moderator(), post=reply, reason="spam")
    unread = reverse("forums:topic_unread", kwargs={"slug": topic.slug})
    assert client.get(unread).url.endswith(f"#post-{posts[-1].pk}")


def test_unread_for_anonymous_is_the_newest_post(client, topic):
    posts = add_posts(topic, 25)
    unread = reverse("forums:topic_unread", kwargs={"slug": topic.slug})
    assert client.get(unread).url == f"{topic_url(topic)}?page=2#post-{posts[-1].pk}"


# --- starting a topic ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_start_a_topic_for_each_actor(client, forum, author, who):
    actor(who, client, author)
    data = {"title": "Un nouveau sujet", "body": "Bonjour à **tous**."}

    get = client.get(new_topic_url(forum))
    post = client.post(new_topic_url(forum), data)

    if who == "anonymous":
        assert goes_to_login(get) and goes_to_login(post)
        assert not Topic.objects.exists()
    elif who == "unverified":
        assert get.status_code == post.status_code == 403
        assert tr("Confirm your email address before you write.") in text(parse(post))
        assert not Topic.objects.exists()
    else:
        assert get.status_code == 200
        topic = Topic.objects.get()
        assert post.status_code == 302 and post.url == topic_url(topic)
        assert topic.posts.get().body_html == "<p>Bonjour à <strong>tous</strong>.</p>\n"
        assert topic.post_count == 1


def test_start_a_topic_end_to_end_with_links(client, forum):
    member = make_member()
    client.force_login(member)
    project = ProjectFactory()
    theme = ThemeFactory()

    form = form_values(client.get(new_topic_url(forum)), "topic-form")
    form.update(
        title="Épargne des migrants",
        body="Comment *investir* ?",
        project=str(project.pk),
        country="SN",
        theme=str(theme.pk),
    )
    response = client.post(new_topic_url(forum), form, follow=True)

    topic = Topic.objects.get()
    assert (topic.project, topic.country.code, topic.theme) == (project, "SN", theme)
    assert topic.author == member and topic.forum == forum
    assert response.redirect_chain[-1][0] == topic_url(topic)
    assert tr("Your topic is published.") in text(find(parse(response), "ul", "messages"))


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "body": "x"},
        {"title": "   ", "body": "x"},
        {"title": "t", "body": "   "},
        {"title": "x" * 201, "body": "x"},
        {"title": "t", "body": "x" * 20001},
        {"title": "t", "body": "x", "project": "999999"},
        {"title": "t", "body": "x", "country": "ZZ"},
    ],
)
def test_start_a_topic_with_bad_input_is_400(client, forum, data):
    client.force_login(make_member())
    response = client.post(new_topic_url(forum), data)
    assert response.status_code == 400
    assert not Topic.objects.exists()
    assert find_all(parse(response), "form", id="topic-form")


def test_start_a_topic_preview_saves_nothing(client, forum):
    client.force_login(make_member())
    response = client.post(
        new_topic_url(forum),
        {"title": "Titre", "body": "Du **gras** <script>x</script>", "preview": "1"},
    )
    assert response.status_code == 200
    preview = find(parse(response), "section", "preview")
    assert find_all(preview, "strong")
    assert "<script" not in main_html(response)
    assert not Topic.objects.exists()
    form = form_values(response, "topic-form")
    assert form["title"] == "Titre" and form["body"] == "Du **gras** <script>x</script>"


def test_new_topic_in_unknown_forum_is_404(client, db):
    client.force_login(make_member())
    assert client.get("/fr/forums/nowhere/new/").status_code == 404


# --- replying and quoting ------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_reply_for_each_actor(client, topic, author, who):
    actor(who, client, author)

    response = client.post(reply_url(topic), {"body": "Je réponds."})

    topic.refresh_from_db()
    if who == "anonymous":
        assert goes_to_login(response)
    elif who == "unverified":
        assert response.status_code == 403
    else:
        reply = topic.posts.last()
        assert response.status_code == 302
        assert response.url == f"{topic_url(topic)}?page=1#post-{reply.pk}"
        assert reply.body == "Je réponds."
    assert topic.post_count == (1 if who in ("anonymous", "unverified") else 2)


def test_reply_from_the_topic_page_and_counters(client, topic, forum):
    for n in range(3):
        member = make_member(name=f"Replier {n}")
        client.force_login(member)
        form = form_values(client.get(topic_url(topic)), "reply-form")
        form["body"] = f"Réponse de {n}"
        assert client.post(reply_url(topic), form).status_code == 302

    topic.refresh_from_db()
    assert topic.post_count == 4
    assert topic.last_post.body == "Réponse de 2"
    row = find(parse(client.get(forum_url(forum))), "li", "topic-row")
    assert text(find(row, "span", "reply-count")) == tr_count(
        "%(counter)s reply", "%(counter)s replies", 3
    )
    assert "Replier 2" in text(find(row, "span", "last-post"))
    index_row = find(parse(client.get(INDEX)), "li", "forum-row")
    assert text(find(index_row, "span", "post-count")) == tr_count(
        "%(counter)s post", "%(counter)s posts", 4
    )


def test_quote_prefills_the_reply_with_a_blockquote(client, topic, author):
    quoted = topic.posts.get()
    services.edit_post(
        editor=author, post=quoted, body="Première ligne\n\nDeuxième ligne", version=quoted.version
    )
    client.force_login(make_member())

    for url in (reply_url(topic), topic_url(topic)):
        form = form_values(client.get(f"{url}?quote={quoted.pk}"), "reply-form")
        heading = tr("%(name)s wrote:") % {"name": "Awa Diop"}
        assert form["body"] == f"> {heading}\n>\n> Première ligne\n>\n> Deuxième ligne\n\n"

    form["body"] += "Je suis d'accord."
    client.post(reply_url(topic), form)
    reply = topic.posts.last()
    assert "<blockquote>" in reply.body_html
    assert "Deuxième ligne" in reply.body_html


def test_quote_ignores_posts_of_other_topics_hidden_posts_and_garbage(client, forum, topic):
    other = services.start_topic(author=make_member(), forum=forum, title="Autre", body="Ailleurs")
    hidden = services.reply(author=make_member(), topic=topic, body="Caché")
    services.hide_post(moderator=make_moderator(), post=hidden, reason="spam")
    client.force_login(make_member())
    for quote in (other.posts.get().pk, hidden.pk, "abc", "-1", "99999999", "²", "①", "9" * 4400):
        for url in (reply_url(topic), topic_url(topic)):
            response = client.get(url, {"quote": quote})
            assert response.status_code == 200
            assert form_values(response, "reply-form")["body"] == ""


def test_quote_link_on_each_post_for_those_who_can_reply(client, topic):
    post = topic.posts.get()
    quote = f"{reply_url(topic)}?quote={post.pk}"
    assert not find_all(parse(client.get(topic_url(topic))), "a", href=quote)
    client.force_login(make_member())
    assert find_all(parse(client.get(topic_url(topic))), "a", href=quote)


def test_locked_topic_refuses_replies(client, topic):
    services.set_topic_state(moderator=make_moderator(), topic=topic, locked=True)
    member = make_member()
    client.force_login(member)

    response = client.post(reply_url(topic), {"body": "Encore un mot"})

    assert response.status_code == 403
    assert tr("This topic is locked: it takes no more replies.") in text(parse(response))
    assert topic.posts.count() == 1
    assert client.get(reply_url(topic)).status_code == 403


def test_locked_while_writing_keeps_the_text_with_the_error(client, topic):
    """The reply form was opened, then a moderator locked the topic: the reply is refused
    with the reason, and the text written is still in the form."""
    client.force_login(make_member())
    form = form_values(client.get(reply_url(topic)), "reply-form")
    services.set_topic_state(moderator=make_moderator(), topic=topic, locked=True)

    response = client.post(reply_url(topic), {**form, "body": "Mon texte"})

    assert response.status_code == 403
    assert textarea(response, "reply-form") == "Mon texte"
    assert tr("This topic is locked: it takes no more replies.") in text(parse(response))
    assert topic.posts.count() == 1


def test_reply_to_a_hidden_topic_is_404(client, topic):
    services.set_topic_state(moderator=make_moderator(), topic=topic, hidden=True)
    client.force_login(make_member())
    assert client.post(reply_url(topic), {"body": "x"}).status_code == 404


def test_empty_reply_is_400(client, topic):
    client.force_login(make_member())
    response = client.post(reply_url(topic), {"body": "  "})
    assert response.status_code == 400
    assert topic.posts.count() == 1


def test_reply_preview_saves_nothing(client, topic):
    client.force_login(make_member())
    response = client.post(reply_url(topic), {"body": "*penché*", "preview": "1"})
    assert response.status_code == 200
    assert find_all(find(parse(response), "section", "preview"), "em")
    assert form_values(response, "reply-form")["body"] == "*penché*"
    assert topic.posts.count() == 1


# --- editing -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_edit_a_post_for_each_actor(client, topic, author, who):
    post = topic.posts.get()
    actor(who, client, author)

    get = client.get(edit_url(post))
    response = client.post(edit_url(post), {"body": "Texte revu", "version": post.version})

    post.refresh_from_db()
    if who == "anonymous":
        assert goes_to_login(get) and goes_to_login(response)
    elif who in ("unverified", "verified"):
        assert get.status_code == response.status_code == 403
        assert tr("You can only edit your own posts.") in text(parse(response))
    else:
        assert get.status_code == 200
        assert response.status_code == 302
    edited = who in ("author", "moderator", "staff")
    assert (post.body == "Texte revu") is edited
    assert PostRevision.objects.filter(post=post).exists() is edited


def test_edit_end_to_end_keeps_a_revision_and_shows_the_edited_mark(client, topic, author):
    post = topic.posts.get()
    client.force_login(author)

    page = client.get(edit_url(post))
    preview = find(find(parse(page), "section", "preview"), "div", "post-body")
    assert text(preview) == "Premier message."
    form = form_values(page, "edit-form")
    assert form["body"] == "Premier message."
    form["body"] = "Premier message, **corrigé**."
    preview = client.post(edit_url(post), {**form, "preview": "1"})
    assert find_all(find(parse(preview), "section", "preview"), "strong")
    post.refresh_from_db()
    assert post.body == "Premier message."

    response = client.post(edit_url(post), form, follow=True)

    post.refresh_from_db()
    assert post.body == "Premier message, **corrigé**."
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert (revision.body, revision.edited_by) == ("Premier message.", author)
    assert response.redirect_chain[-1][0] == f"{topic_url(topic)}?page=1#post-{post.pk}"
    assert find_all(post_article(response, post), "span", "edited")


def test_author_cannot_edit_a_hidden_post(client, topic, author):
    post = services.reply(author=author, topic=topic, body="Mauvais")
    services.hide_post(moderator=make_moderator(), post=post, reason="spam")
    client.force_login(author)
    assert client.post(edit_url(post), {"body": "Meilleur", "version": 1}).status_code == 403
    post.refresh_from_db()
    assert post.body == "Mauvais"


def test_edit_with_bad_input_is_400(client, topic, author):
    client.force_login(author)
    post = topic.posts.get()
    assert client.post(edit_url(post), {"body": ""}).status_code == 400
    assert client.post(edit_url(post), {"body": "x" * 20001}).status_code == 400
    assert client.get(reverse("forums:edit_post", kwargs={"pk": 987654})).status_code == 404


def hidden_values(response, form_id: str) -> dict:
    """The hidden fields of a form, whatever the status of the response."""
    form = find(parse(response), "form", id=form_id)
    return {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in find_all(form, "input", type="hidden")
    }


def test_two_people_editing_one_post_the_second_sees_both_texts_and_loses_nothing(
    client, topic, author
):
    post = topic.posts.get()
    moderator_client = Client()
    moderator_client.force_login(make_moderator())
    client.force_login(author)
    mine = form_values(client.get(edit_url(post)), "edit-form")
    theirs = form_values(moderator_client.get(edit_url(post)), "edit-form")
    saved = moderator_client.post(edit_url(post), theirs | {"body": "Corrigé par la modération."})
    assert saved.status_code == 302

    response = client.post(edit_url(post), mine | {"body": "Ma **nouvelle** version."})

    assert response.status_code == 409
    conflict = find(parse(response), "section", "edit-conflict")
    assert tr(
        "Someone else saved this text after you opened it. Their version is shown below, "
        "and yours is still in the form: compare them, then save again."
    ) in text(conflict)
    assert text(find(conflict, "div", "saved-text")) == "Corrigé par la modération."
    assert textarea(response, "edit-form") == "Ma **nouvelle** version."
    post.refresh_from_db()
    assert post.body == "Corrigé par la modération."

    # Sent again once read, it replaces the saved text knowingly; every text is kept.
    again = hidden_values(response, "edit-form") | {
        "body": "Ma **nouvelle** version.",
        "language": "fr",
    }
    assert client.post(edit_url(post), again).status_code == 302
    post.refresh_from_db()
    assert (post.body, post.version) == ("Ma **nouvelle** version.", 3)
    assert list(post.revisions.order_by("version").values_list("version", "body")) == [
        (1, "Premier message."),
        (2, "Corrigé par la modération."),
    ]


def test_an_edit_sent_twice_is_saved_once_without_a_conflict(client, topic, author):
    post = topic.posts.get()
    client.force_login(author)
    form = form_values(client.get(edit_url(post)), "edit-form") | {"body": "Revu."}

    first = client.post(edit_url(post), form)
    second = client.post(edit_url(post), form)

    assert first.status_code == second.status_code == 302
    post.refresh_from_db()
    assert (post.body, post.version, post.revisions.count()) == ("Revu.", 2, 1)


def test_an_edit_form_from_before_versions_is_a_conflict_not_an_overwrite(client, topic, author):
    post = topic.posts.get()
    services.edit_post(editor=author, post=post, body="Déjà revu.", version=post.version)
    client.force_login(author)

    response = client.post(edit_url(post), {"body": "Écrit sur une vieille page."})

    assert response.status_code == 409
    assert textarea(response, "edit-form") == "Écrit sur une vieille page."
    post.refresh_from_db()
    assert post.body == "Déjà revu."


# --- preview -------------------------------------------------------------------------------


def test_preview_returns_the_rendered_sanitised_fragment(client, db):
    client.force_login(make_member())
    response = client.post(
        PREVIEW, {"body": "**gras** <script>alert(1)</script> [x](javascript:alert(1))"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>gras</strong>" in html
    assert_no_xss(html, "preview")


def test_preview_needs_a_post_and_a_login(client, db):
    assert goes_to_login(client.post(PREVIEW, {"body": "x"}))
    client.force_login(make_member())
    assert client.get(PREVIEW).status_code == 405
    assert client.post(PREVIEW, {"body": "x" * 20001}).status_code == 400


# --- double submissions --------------------------------------------------------------------


def test_a_reply_sent_twice_is_written_once(client, topic):
    client.force_login(make_member())
    form = form_values(client.get(reply_url(topic)), "reply-form") | {"body": "Une fois."}

    first = client.post(reply_url(topic), form)
    second = client.post(reply_url(topic), form)

    reply = topic.posts.get(body="Une fois.")
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"{topic_url(topic)}?page=1#post-{reply.pk}"
    topic.refresh_from_db()
    assert topic.post_count == 2


def test_a_new_topic_sent_twice_is_started_once(client, forum):
    client.force_login(make_member())
    form = form_values(client.get(new_topic_url(forum)), "topic-form")
    form |= {"title": "Épargne des migrants", "body": "Comment investir ?"}

    first = client.post(new_topic_url(forum), form)
    second = client.post(new_topic_url(forum), form)

    topic = Topic.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == topic_url(topic)
    assert topic.posts.count() == 1


def test_the_same_words_from_a_new_form_are_a_new_reply(client, topic):
    """A form is guarded, not a text: the same words sent from the form shown again (a
    person who means to say it twice) are a second reply."""
    client.force_login(make_member())
    for _ in range(2):
        form = form_values(client.get(reply_url(topic)), "reply-form") | {"body": "Merci !"}
        assert client.post(reply_url(topic), form).status_code == 302
    assert topic.posts.filter(body="Merci !").count() == 2


def test_a_refused_reply_sent_again_once_allowed_is_written(client, topic):
    """Nothing is recorded for a refused form: sent again (once the member may), it
    writes the reply."""
    member = make_member(verified=False)
    client.force_login(member)
    form = {"body": "Me voici.", "submission": "5f0f9c5e-2d6e-4c8e-9a57-0c1b1c1d1e1f"}
    assert client.post(reply_url(topic), form).status_code == 403
    verify(member)
    assert client.post(reply_url(topic), form).status_code == 302
    assert topic.posts.filter(body="Me voici.").count() == 1


# --- rate limits ---------------------------------------------------------------------------


def test_posting_past_the_rate_limit_is_429_and_saves_nothing(client, settings, forum, topic):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "forum_post": "3/m/user"}
    member = make_member()
    client.force_login(member)

    assert client.post(new_topic_url(forum), {"title": "Un", "body": "x"}).status_code == 302
    # Refused or previewed messages are not counted.
    assert client.post(reply_url(topic), {"body": ""}).status_code == 400
    assert client.post(reply_url(topic), {"body": "p", "preview": "1"}).status_code == 200
    assert client.post(reply_url(topic), {"body": "deux"}).status_code == 302
    assert client.post(reply_url(topic), {"body": "trois"}).status_code == 302

    too_many_reply = client.post(reply_url(topic), {"body": "quatre"})
    too_many_topic = client.post(new_topic_url(forum), {"title": "Deux", "body": "x"})

    assert too_many_reply.status_code == too_many_topic.status_code == 429
    assert textarea(too_many_reply, "reply-form") == "quatre"
    assert Post.objects.filter(author=member).count() == 3
    assert Topic.objects.filter(author=member).count() == 1
    # Someone else may still write.
    client.force_login(make_member())
    assert client.post(reply_url(topic), {"body": "autre"}).status_code == 302


@pytest.fixture
def outage_cache(settings):
    """A cache that can go away during a request (``tests.forums.caches``)."""
    settings.CACHES = {"default": {"BACKEND": "tests.forums.caches.OutageCache"}}
    OutageCache.down = False
    yield OutageCache
    OutageCache.down = False


@pytest.fixture
def cache_gone_once_a_post_is_written(outage_cache):
    """The cache server goes away the moment a post is written."""

    def cache_goes_away(sender, instance, created, **kwargs):
        if created:
            outage_cache.down = True

    post_save.connect(cache_goes_away, sender=Post, dispatch_uid="test-cache-goes-away")
    yield
    post_save.disconnect(sender=Post, dispatch_uid="test-cache-goes-away")


def test_a_cache_gone_once_the_reply_is_written_does_not_turn_it_into_an_error(
    client, topic, cache_gone_once_a_post_is_written
):
    client.force_login(make_member())

    response = client.post(reply_url(topic), {"body": "Ma réponse."})

    reply = topic.posts.get(body="Ma réponse.")
    assert response.status_code == 302
    assert response.url == f"{topic_url(topic)}?page=1#post-{reply.pk}"


def test_a_cache_gone_once_the_topic_is_written_does_not_turn_it_into_an_error(
    client, forum, cache_gone_once_a_post_is_written
):
    client.force_login(make_member())

    response = client.post(new_topic_url(forum), {"title": "Un sujet", "body": "Le début."})

    assert response.status_code == 302
    assert response.url == topic_url(Topic.objects.get())


def test_a_cache_out_of_reach_lets_members_post_and_is_logged(client, topic, outage_cache, caplog):
    client.force_login(make_member())
    outage_cache.down = True

    response = client.post(reply_url(topic), {"body": "Toujours là."})

    assert response.status_code == 302
    assert topic.posts.filter(body="Toujours là.").exists()
    assert "Rate limit forum_post not counted" in caplog.text


def test_forum_post_rate_limit_is_configured(settings):
    assert "forum_post" in settings.ACCOUNT_RATE_LIMITS


# --- the XSS corpus ------------------------------------------------------------------------

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">clic</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">stylé</p>',
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    "[x](javascript:alert(1))",
    "[y](JaVaScRiPt:alert(1))",
    "[z](data:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    "[e](&#106;avascript:alert(1))",
    "[f](java&#x09;script:alert(1))",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">ent</a>',
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)//",
    "<div onmouseover='alert(1)'>survol",
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(document.cookie)</script>',
    "<body onload=alert(1)>",
    '[lien](https://example.org "titre" onclick=alert(1))',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<details open ontoggle=alert(1)>",
]

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "img"}


def assert_no_xss(html: str, where: str):
    """Nothing that runs or styles: no dangerous element, no on* attribute, no style
    attribute, no javascript:/data: address, in the HTML of ``where``."""
    assert not re.search(r"<\s*(script|iframe|object|embed|svg|style)\b", html, re.I), where
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.I), where
    document = parse(type("Response", (), {"content": html.encode()}))
    for node in find_all(document, "*"):
        assert node.tag not in DANGEROUS_TAGS, (where, node.tag)
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (where, node.tag, name)
            assert name != "style", (where, node.tag)
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            assert not compact.startswith(("javascript:", "data:", "vbscript:")), (where, value)


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>x</script></p>",
        '<img src="x" onerror="alert(1)">',
        '<p style="color:red">x</p>',
        '<a href=" javascript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        "<iframe></iframe>",
    ],
)
def test_the_xss_check_catches_what_it_should(html):
    with pytest.raises(AssertionError):
        assert_no_xss(html, "sample")


def pages_showing(client, topic: Topic, post: Post, payload: str, project) -> dict:
    forum = topic.forum
    return {
        "topic": client.get(topic_url(topic)),
        "forum": client.get(forum_url(forum)),
        "index": client.get(INDEX),
        "reply with quote": client.get(f"{reply_url(topic)}?quote={post.pk}"),
        "topic with quote": client.get(f"{topic_url(topic)}?quote={post.pk}"),
        "edit": client.get(edit_url(post)),
        "preview": client.post(reply_url(topic), {"body": payload, "preview": "1"}),
        "project": client.get(project.get_absolute_url()),
    }


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_payloads_do_not_survive_in_titles_and_posts(client, forum, payload):
    member = make_member(name=payload[:150], visibility=Visibility.EVERYONE)
    project = ProjectFactory()
    client.force_login(member)
    body = f"{payload}\n\n[ok](https://example.org)"
    response = client.post(
        new_topic_url(forum), {"title": payload[:200], "body": body, "project": project.pk}
    )
    assert response.status_code == 302, payload
    topic = Topic.objects.get()
    assert client.post(reply_url(topic), {"body": payload}).status_code == 302
    post = topic.posts.first()

    pages = pages_showing(client, topic, post, payload, project)
    for where, response in pages.items():
        assert response.status_code == 200, where
        # The forms of the page are ours (the payload only shows escaped inside them).
        assert_no_xss(re.sub(r"<form\b[^>]*>", "", main_html(response)), where)
        if "<" in payload:
            assert payload not in response.content.decode(), where
    link = find(post_article(pages["topic"], post), "a", href="https://example.org")
    assert link.attrs["rel"].split() == ["nofollow", "ugc", "noopener"]
    assert_no_xss(client.post(PREVIEW, {"body": payload}).content.decode(), "preview fragment")
    # Moderators read hidden posts in full: still sanitised.
    services.hide_post(moderator=make_moderator(), post=post, reason=payload)
    client.force_login(make_moderator())
    assert_no_xss(re.sub(r"<form\b[^>]*>", "", main_html(client.get(topic_url(topic)))), "mod")


# --- query counts --------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def make_forums(count: int, author):
    for n in range(count):
        forum = Forum.objects.create(name=f"Forum {n}", slug=f"forum-{n}", order=n)
        for m in range(3):
            topic = services.start_topic(
                author=author, forum=forum, title=f"Sujet {n}-{m}", body="x"
            )
            services.reply(author=make_member(), topic=topic, body="réponse")


@pytest.mark.parametrize("logged_in", [False, True])
def test_forum_index_queries_do_not_grow(client, author, logged_in):
    if logged_in:
        client.force_login(make_member())
    make_forums(2, author)
    few = count_queries(client, INDEX)
    make_forums_more = [Forum.objects.create(name=f"Plus {n}", slug=f"plus-{n}") for n in range(5)]
    for forum in make_forums_more:
        services.start_topic(author=make_member(), forum=forum, title="Encore", body="x")
    assert count_queries(client, INDEX) == few
    # Anonymous: forums with their counts, their last topics. Logged in: + session, member,
    # moderator check. (Slack of 2 for what other parts add to every page.)
    assert few <= (5 if logged_in else 2) + 2


@pytest.mark.parametrize("logged_in", [False, True])
def test_forum_page_queries_do_not_grow(client, forum, logged_in):
    if logged_in:
        client.force_login(make_member())
    authors = [make_member() for _ in range(5)]
    for n in range(5):
        topic = services.start_topic(author=authors[n], forum=forum, title=f"Sujet {n}", body="x")
        services.reply(author=make_member(), topic=topic, body="r")
    five = count_queries(client, forum_url(forum))
    for n in range(45):
        topic = services.start_topic(
            author=make_member(), forum=forum, title=f"Autre {n}", body="x"
        )
        services.reply(author=make_member(), topic=topic, body="r")
    assert count_queries(client, forum_url(forum)) == five
    # Anonymous: forum, count, topics. Logged in: + session, member, moderator check,
    # verified email (may they start a topic?), read marks.
    assert five <= (8 if logged_in else 3) + 2


@pytest.mark.parametrize("who", ["anonymous", "verified", "moderator"])
def test_topic_page_queries_do_not_grow(client, forum, who):
    viewer = {"anonymous": None, "verified": make_member, "moderator": make_moderator}[who]
    if viewer:
        client.force_login(viewer())
    small = services.start_topic(author=make_member(), forum=forum, title="Petit", body="x")
    for n in range(9):
        Post.objects.create(topic=small, author=make_member(), body=f"r{n}")
    services.refresh_topic(small)
    big = services.start_topic(author=make_member(), forum=forum, title="Grand", body="x")
    for n in range(99):
        Post.objects.create(topic=big, author=make_member(), body=f"r{n}", is_hidden=n % 10 == 0)
    services.refresh_topic(big)

    ten = count_queries(client, topic_url(small))
    hundred = count_queries(client, topic_url(big))
    last_page = count_queries(client, topic_url(big) + "?page=5")

    assert ten == hundred == last_page
    # Anonymous: topic, count, posts, visible authors. Logged in: + session, member,
    # moderator check, verified email, read mark (one upsert); group moderators: one more
    # moderator check (Topic.objects.visible_to asks again).
    assert ten <= {"anonymous": 4, "verified": 9, "moderator": 10}[who] + 2


# --- topics on a project's page ------------------------------------------------------------


def test_project_page_lists_its_topics_visible_to_the_viewer(client, forum, author):
    project = ProjectFactory(title="Projet de Figuig")
    other_project = ProjectFactory()
    moderator = make_moderator()
    topics = [
        services.start_topic(
            author=author, forum=forum, title=f"Sur le projet {n}", body="x", project=project
        )
        for n in range(6)
    ]
    services.set_topic_state(moderator=moderator, topic=topics[5], hidden=True)
    services.start_topic(
        author=author, forum=forum, title="Ailleurs", body="x", project=other_project
    )
    now = timezone.now()
    ediscussion = services.start_topic(
        author=moderator,
        forum=forum,
        title="E-discussion close",
        body="x",
        project=project,
        kind=TopicKind.EDISCUSSION,
        starts_at=now - datetime.timedelta(days=9),
        ends_at=now - datetime.timedelta(days=2),
    )
    ediscussion.summary = "Les participants **recommandent** des guichets uniques."
    ediscussion.save()

    response = client.get(project.get_absolute_url())

    section = find(parse(response), "section", "project-topics")
    titles = [text(find(item, "a")) for item in find_all(section, "li", "project-topic")]
    assert titles == ["E-discussion close", *[t.title for t in reversed(topics[1:5])]]
    assert "Ailleurs" not in text(section)
    summary = find(section, "div", "ediscussion-summary")
    assert find_all(summary, "strong")

    client.force_login(moderator)
    section = find(parse(client.get(project.get_absolute_url())), "section", "project-topics")
    assert "Sur le projet 5" in text(section)


def test_project_page_without_topics_says_so(client, db):
    project = ProjectFactory()
    section = find(parse(client.get(project.get_absolute_url())), "section", "project-topics")
    assert tr("No discussion about this project yet.") in text(section)


# --- the seed ------------------------------------------------------------------------------


def test_load_forums_is_idempotent_and_keeps_staff_edits(db, settings):
    path = settings.BASE_DIR / "fixtures" / "forums.json"
    assert load_forums(path).created == {"forums": 5}  # the fifth: the seed course's
    forums = list(Forum.objects.all())
    assert [forum.slug for forum in forums][:2] == [
        "migration-et-developpement-local",
        "diaspora-et-investissement",
    ]
    assert all(forum.name_en and forum.name_es for forum in forums)
    Forum.objects.filter(slug="e-discussions").update(name_fr="Débats en ligne")
    assert load_forums(path).created == {"forums": 0}
    assert Forum.objects.get(slug="e-discussions").name_fr == "Débats en ligne"


def test_load_seed_creates_the_forums(db):
    out = StringIO()
    call_command("load_seed", stdout=out)
    assert Forum.objects.count() == 5
    assert "5 forums" in out.getvalue()


# --- admin ---------------------------------------------------------------------------------


def test_staff_set_up_forums_and_read_topics_and_posts_in_the_admin(client, topic):
    staff = StaffFactory()
    client.force_login(staff)
    post = topic.posts.get()
    for url in (
        "/admin/forums/forum/",
        "/admin/forums/forum/add/",
        "/admin/forums/topic/",
        f"/admin/forums/topic/{topic.pk}/change/",
        "/admin/forums/post/",
        f"/admin/forums/post/{post.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/forums/topic/add/").status_code == 200  # e-discussions
    assert client.get("/admin/forums/post/add/").status_code == 403
    assert client.get(f"/admin/forums/post/{post.pk}/delete/").status_code == 403

    response = client.post(
        "/admin/forums/forum/add/",
        {
            "name_fr": "Nouveau",
            "name_en": "New",
            "name_es": "",
            "slug": "nouveau",
            "description_fr": "",
            "description_en": "",
            "description_es": "",
            "order": 5,
        },
    )
    assert response.status_code == 302
    forum = Forum.objects.get(slug="nouveau")
    assert (forum.name_fr, forum.name_en, forum.name_es) == ("Nouveau", "New", None)


def test_members_cannot_open_the_forum_admin(client, topic):
    client.force_login(make_member())
    assert client.get("/admin/forums/topic/").status_code == 302
