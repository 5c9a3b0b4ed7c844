"""What a walk through the forums found, mended: posts frozen in a locked topic or a closed
e-discussion; e-discussions started directly (on the site by moderators, in the admin by
staff) and kept to moderators in the e-discussions forum; posts numbered within their
topic; e-discussion times with their time zone (following, blog posts on their project's
page and a blog author's page: tests/blogs/test_mends.py).

Interface strings are compared with what gettext gives for the page's language, so the
tests hold whether or not a string is translated yet.
"""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from forums import services
from forums.models import Forum, Post, Topic, TopicKind
from network.models import Visibility
from tests.factories import StaffFactory
from tests.forms import form_values
from tests.forums.test_moderation import make_member, make_moderator
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
FAR_AHEAD = datetime.datetime(2099, 3, 1, 9, 0, tzinfo=UTC)
FURTHER_AHEAD = datetime.datetime(2099, 3, 15, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def forum(db):
    return Forum.objects.create(name="Diaspora et investissement", slug="diaspora")


@pytest.fixture
def ediscussions_forum(db):
    return Forum.objects.create(name="E-discussions", slug="e-discussions")


@pytest.fixture
def author(db):
    return make_member(name="Awa Diop", visibility=Visibility.EVERYONE)


def start_ediscussion(forum, starts_at, ends_at, moderator=None):
    moderator = moderator or make_moderator(name="Modeste Rateur")
    return services.start_topic(
        author=moderator,
        forum=forum,
        title="Les migrants et le développement local",
        body="Bienvenue dans cette e-discussion.",
        kind=TopicKind.EDISCUSSION,
        starts_at=starts_at,
        ends_at=ends_at,
        guiding_questions="1. Quel rôle pour les collectivités ?",
        moderator=moderator,
    )


def edit_url(post):
    return reverse("forums:edit_post", kwargs={"pk": post.pk})


def new_topic_url(forum):
    return reverse("forums:new_topic", kwargs={"slug": forum.slug})


def edit_links(response, post):
    article = find(parse(response), "article", id=f"post-{post.pk}")
    return find_all(article, "a", href=edit_url(post))


def messages_shown(response) -> str:
    return text(find(parse(response), "ul", "messages"))


# --- 1. Posts are frozen in a locked topic and in a closed e-discussion ---------------------


def test_an_author_cannot_edit_a_post_once_the_topic_is_locked(client, forum, author):
    topic = services.start_topic(author=author, forum=forum, title="Transferts", body="Avant.")
    post = topic.posts.get()
    client.force_login(author)
    assert edit_links(client.get(topic.get_absolute_url()), post)  # while it is open

    moderator = make_moderator()
    services.set_topic_state(moderator=moderator, topic=topic, locked=True)

    assert not edit_links(client.get(topic.get_absolute_url()), post)
    message = tr("This topic is locked: its posts can no longer be edited.")
    page = client.get(edit_url(post))
    assert page.status_code == 403 and message in text(parse(page))
    sent = client.post(edit_url(post), {"body": "Après.", "version": post.version})
    assert sent.status_code == 403 and message in text(parse(sent))
    post.refresh_from_db()
    assert post.body == "Avant." and not post.revisions.exists()

    # Moderators still may (a correction; the previous text is kept).
    client.force_login(moderator)
    assert edit_links(client.get(topic.get_absolute_url()), post)
    assert client.post(edit_url(post), {"body": "Corrigé.", "version": 1}).status_code == 302
    post.refresh_from_db()
    assert post.body == "Corrigé." and post.revisions.get().body == "Avant."


def test_a_contribution_cannot_be_edited_once_the_ediscussion_has_closed(client, forum, author):
    now = timezone.now()
    topic = start_ediscussion(forum, now - datetime.timedelta(days=9), now + datetime.timedelta(1))
    post = services.reply(author=author, topic=topic, body="Ma contribution.")
    client.force_login(author)
    assert edit_links(client.get(topic.get_absolute_url()), post)  # while it is open

    Topic.objects.filter(pk=topic.pk).update(ends_at=now - datetime.timedelta(hours=1))

    assert not edit_links(client.get(topic.get_absolute_url()), post)
    message = tr("This e-discussion has closed: its posts can no longer be edited.")
    page = client.get(edit_url(post))
    assert page.status_code == 403 and message in text(parse(page))
    sent = client.post(edit_url(post), {"body": "Autre chose.", "version": post.version})
    assert sent.status_code == 403
    post.refresh_from_db()
    assert post.body == "Ma contribution."

    client.force_login(topic.moderator)
    assert client.post(edit_url(post), {"body": "Corrigé.", "version": 1}).status_code == 302


# --- 2. E-discussions started directly; the e-discussions forum is for moderators ------------


def test_a_moderator_opens_an_ediscussion_from_the_new_topic_form(client, ediscussions_forum):
    moderator = make_moderator(name="Modeste Rateur")
    other = make_moderator(name="Awa Ndiaye")
    client.force_login(moderator)
    forum_page = parse(client.get(ediscussions_forum.get_absolute_url()))
    start = find(forum_page, "a", href=new_topic_url(ediscussions_forum))
    assert text(start) == tr("Start an e-discussion")

    page = client.get(new_topic_url(ediscussions_forum))

    form = form_values(page, "topic-form")
    assert form["kind"] == TopicKind.EDISCUSSION  # in this forum, by default
    assert form["moderator"] == str(moderator.pk)
    form |= {
        "title": "Les collectivités et la diaspora",
        "body": "Bienvenue : présentez-vous.",
        "starts_at": "2099-03-01T09:00",
        "ends_at": "2099-03-15T17:00",
        "guiding_questions": "1. Quels **partenariats** ?\n2. Quels obstacles ?",
        "moderator": str(other.pk),
    }
    response = client.post(new_topic_url(ediscussions_forum), form)

    assert response.status_code == 302
    topic = Topic.objects.get(title="Les collectivités et la diaspora")
    assert (topic.kind, topic.forum, topic.author, topic.moderator) == (
        TopicKind.EDISCUSSION,
        ediscussions_forum,
        moderator,
        other,
    )
    assert (topic.starts_at, topic.ends_at) == (FAR_AHEAD, FURTHER_AHEAD)
    assert topic.posts.get().body == "Bienvenue : présentez-vous."
    block = find(parse(client.get(response.url)), "section", "ediscussion")
    assert text(find(find(block, "div", "guiding-questions"), "strong")) == "partenariats"
    assert text(find(block, "dd", "ediscussion-moderator")) == "Awa Ndiaye"


def test_members_are_not_offered_to_open_an_ediscussion(client, forum):
    client.force_login(make_member())
    page = client.get(new_topic_url(forum))
    form = form_values(page, "topic-form")
    assert {"title", "body"} <= set(form)
    assert not {"kind", "starts_at", "ends_at", "guiding_questions", "moderator"} & set(form)
    # Sending the fields anyway starts an ordinary discussion.
    form |= {
        "title": "Mon sujet",
        "body": "x",
        "kind": TopicKind.EDISCUSSION,
        "starts_at": "2099-03-01T09:00",
        "ends_at": "2099-03-15T17:00",
    }
    assert client.post(new_topic_url(forum), form).status_code == 302
    assert Topic.objects.get().kind == TopicKind.DISCUSSION
    # Moderators are.
    client.force_login(make_moderator())
    form = form_values(client.get(new_topic_url(forum)), "topic-form")
    assert {"kind", "starts_at", "ends_at", "guiding_questions", "moderator"} <= set(form)


def test_the_new_topic_form_checks_an_ediscussions_dates(client, forum):
    client.force_login(make_moderator())
    form = form_values(client.get(new_topic_url(forum)), "topic-form")
    assert form["kind"] == TopicKind.DISCUSSION  # elsewhere, a discussion by default
    form |= {"title": "Sans dates", "body": "x", "kind": TopicKind.EDISCUSSION}

    response = client.post(new_topic_url(forum), form)

    assert response.status_code == 400
    assert tr("An e-discussion needs an opening and a closing date.") in text(parse(response))
    assert not Topic.objects.exists()
    # A plain discussion keeps no dates a moderator may have typed.
    form |= {"kind": TopicKind.DISCUSSION, "starts_at": "2099-03-01T09:00"}
    assert client.post(new_topic_url(forum), form).status_code == 302
    topic = Topic.objects.get()
    assert (topic.kind, topic.starts_at) == (TopicKind.DISCUSSION, None)


def test_members_cannot_open_topics_in_the_ediscussions_forum(client, ediscussions_forum, forum):
    member = make_member()
    client.force_login(member)
    message = tr(
        "E-discussions are opened by moderators, on set dates: take part by replying to an "
        "open one. To start a discussion of your own, choose another forum."
    )

    forum_page = parse(client.get(ediscussions_forum.get_absolute_url()))
    assert not find_all(forum_page, "a", href=new_topic_url(ediscussions_forum))
    assert tr(
        "E-discussions are opened by moderators, on set dates: take part by replying to an "
        "open one."
    ) in text(find(forum_page, "p", "forum-actions"))
    page = client.get(new_topic_url(ediscussions_forum))
    assert page.status_code == 403 and message in text(parse(page))
    data = form_values(client.get(new_topic_url(forum)), "topic-form")
    data |= {"title": "Hors e-discussion", "body": "Mon sujet."}
    sent = client.post(new_topic_url(ediscussions_forum), data)
    assert sent.status_code == 403 and message in text(parse(sent))
    assert not Topic.objects.exists()
    with pytest.raises(services.NotPermitted):
        services.start_topic(author=member, forum=ediscussions_forum, title="x", body="x")
    # Elsewhere they still may.
    assert find_all(parse(client.get(forum.get_absolute_url())), "a", href=new_topic_url(forum))


def test_staff_start_an_ediscussion_in_the_admin(client, ediscussions_forum):
    staff = StaffFactory(name="Équipe JMDI")
    moderator = make_moderator(name="Awa Ndiaye")
    client.force_login(staff)
    add = "/admin/forums/topic/add/"

    page = client.get(add)

    assert page.status_code == 200
    form = form_values(page, "topic_form")
    assert form["kind"] == TopicKind.EDISCUSSION
    assert form["forum"] == str(ediscussions_forum.pk)
    form |= {
        "title": "Les transferts de fonds",
        "starts_at_0": "2099-03-01",
        "starts_at_1": "09:00",
        "ends_at_0": "2099-03-15",
        "ends_at_1": "17:00",
        "guiding_questions": "1. Que financent-ils ?",
        "moderator": str(moderator.pk),
        "first_post": "Bienvenue dans cette **e-discussion**.",
    }
    response = client.post(add, form)

    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.kind, topic.author, topic.moderator, topic.forum) == (
        TopicKind.EDISCUSSION,
        staff,
        moderator,
        ediscussions_forum,
    )
    assert (topic.starts_at, topic.ends_at) == (FAR_AHEAD, FURTHER_AHEAD)
    assert topic.guiding_questions == "1. Que financent-ils ?"
    first = topic.posts.get()
    assert (first.author, first.body) == (staff, "Bienvenue dans cette **e-discussion**.")
    assert (topic.post_count, topic.last_post) == (1, first)
    shown = parse(client.get(topic.get_absolute_url()))
    assert find_all(find(shown, "section", "ediscussion"), "div", "guiding-questions")
    assert client.get(f"/admin/forums/topic/{topic.pk}/change/").status_code == 200


def test_the_admin_refuses_an_ediscussion_without_dates_or_moderator(client, ediscussions_forum):
    client.force_login(StaffFactory())
    add = "/admin/forums/topic/add/"
    form = form_values(client.get(add), "topic_form") | {"title": "Sans dates", "first_post": "x"}

    no_dates = client.post(add, form)

    assert no_dates.status_code == 200
    assert tr("An e-discussion needs an opening and a closing date.") in text(parse(no_dates))
    assert "ediscussion_has_dates" not in no_dates.content.decode()
    form |= {
        "starts_at_0": "2099-03-15",
        "starts_at_1": "17:00",
        "ends_at_0": "2099-03-01",
        "ends_at_1": "09:00",
    }
    backwards = client.post(add, form)
    assert tr("The closing date must come after the opening date.") in text(parse(backwards))
    form |= {
        "starts_at_0": "2099-03-01",
        "starts_at_1": "09:00",
        "ends_at_0": "2099-03-15",
        "ends_at_1": "17:00",
        "moderator": str(make_member().pk),
    }
    not_a_moderator = client.post(add, form)
    assert tr("Only a moderator can run an e-discussion.") in text(parse(not_a_moderator))
    assert not Topic.objects.exists() and not Post.objects.exists()


# --- 3. Posts are numbered within their topic ------------------------------------------------


def post_numbers(response) -> list[tuple[str, str]]:
    """Each post's number as shown, with the address its link goes to."""
    shown = []
    for article in find_all(parse(response), "article", "post"):
        link = find(article, "a", title=tr("Link to this post"))
        shown.append((text(link), link.attrs["href"]))
    return shown


def test_posts_are_numbered_within_their_topic(client, forum, author):
    elsewhere = services.start_topic(author=author, forum=forum, title="Avant", body="x")
    for n in range(3):
        services.reply(author=author, topic=elsewhere, body=f"ailleurs {n}")
    topic = services.start_topic(author=author, forum=forum, title="Le nôtre", body="Premier.")
    posts = [topic.posts.get()]
    for n in range(24):
        posts.append(services.reply(author=make_member(), topic=topic, body=f"Réponse {n}"))
    services.hide_post(moderator=make_moderator(), post=posts[2], reason="hors sujet")

    first_page = post_numbers(client.get(topic.get_absolute_url()))
    last_page = post_numbers(client.get(topic.get_absolute_url() + "?page=2"))

    # Hidden posts keep their place (and number), so the numbers stay put.
    assert [number for number, _link in first_page] == [f"#{n}" for n in range(1, 21)]
    assert [number for number, _link in last_page] == [f"#{n}" for n in range(21, 26)]
    assert [link for _number, link in first_page + last_page] == [
        reverse("forums:post", kwargs={"pk": post.pk}) for post in posts
    ]
    assert post_numbers(client.get(elsewhere.get_absolute_url()))[0][0] == "#1"


# --- 5. E-discussion times show their time zone ---------------------------------------------


def test_ediscussion_times_show_their_time_zone(client, forum, settings):
    settings.TIME_ZONE = "Europe/Paris"
    topic = start_ediscussion(forum, FAR_AHEAD, FURTHER_AHEAD)
    client.force_login(make_member())

    # 17:00 UTC on 15 March is 18:00 in Paris (winter time, CET).
    ends = date_format(datetime.datetime(2099, 3, 15, 18, 0), "DATETIME_FORMAT")
    page = parse(client.get(topic.get_absolute_url()))
    block = find(page, "section", "ediscussion")
    assert f"{ends} (CET)" in text(find(block, "p", "ediscussion-status"))
    closes = find_all(block, "time")[1]
    assert text(closes) == f"{ends} (CET)"
    assert closes.attrs["datetime"].startswith("2099-03-15T18:00:00+01:00")
    opens = date_format(datetime.datetime(2099, 3, 1, 10, 0), "DATETIME_FORMAT")
    assert text(find(page, "p", "posting-refusal")) == tr(
        "This e-discussion opens on %(date)s."
    ) % {"date": f"{opens} (CET)"}

    listed = find(parse(client.get(forum.get_absolute_url())), "p", "ediscussion-dates")
    assert text(listed) == tr("Not open yet: contributions from %(starts)s until %(ends)s.") % {
        "starts": f"{opens} (CET)",
        "ends": f"{ends} (CET)",
    }
