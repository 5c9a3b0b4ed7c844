"""What a walk through the forums and blogs found, mended, on the blogs' side: following
said in the words of what is followed; blog posts on their project's page; a blog author's
page from before the first post.

Interface strings are compared with what gettext gives for the page's language, so the
tests hold whether or not a string is translated yet.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blogs.models import BlogPost, BlogPostKind, BlogPostStatus, Subscription
from forums import services
from forums.models import Forum
from network.models import Visibility
from tests.factories import ProjectFactory, StaffFactory
from tests.forums.test_moderation import make_member
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

FOLLOW = "/fr/forums/follow/"
SUBSCRIPTIONS = "/fr/forums/subscriptions/"


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
def author(db):
    return make_member(name="Awa Diop", visibility=Visibility.EVERYONE)


def messages_shown(response) -> str:
    return text(find(parse(response), "ul", "messages"))


# --- 4. Following, in the words of what is followed ------------------------------------------


@pytest.fixture
def followed(forum, author):
    topic = services.start_topic(author=author, forum=forum, title="Envois de fonds", body="x")
    BlogPost.objects.create(
        author=author,
        title="Un billet",
        slug="un-billet",
        body="Texte.",
        status=BlogPostStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    return {"topic": topic, "forum": forum, "blog_author": author}


def test_following_and_unfollowing_say_what_is_followed(client, followed):
    client.force_login(make_member())
    expected = {
        "topic": (
            tr("You follow the topic “%(title)s”: its new posts will be emailed to you.")
            % {"title": "Envois de fonds"},
            tr("You no longer follow the topic “%(title)s”.") % {"title": "Envois de fonds"},
        ),
        "forum": (
            tr("You follow the forum “%(name)s”: its new topics and posts will be emailed to you.")
            % {"name": "Diaspora et investissement"},
            tr("You no longer follow the forum “%(name)s”.")
            % {"name": "Diaspora et investissement"},
        ),
        "blog_author": (
            tr("You follow %(name)s's blog: their new blog posts will be emailed to you.")
            % {"name": "Awa Diop"},
            tr("You no longer follow %(name)s's blog.") % {"name": "Awa Diop"},
        ),
    }
    for kind, (following, left) in expected.items():
        data = {"kind": kind, "target": followed[kind].pk, "next": SUBSCRIPTIONS}
        assert messages_shown(client.post(FOLLOW, data | {"action": "follow"}, follow=True)) == (
            following
        )
        assert messages_shown(client.post(FOLLOW, data | {"action": "unfollow"}, follow=True)) == (
            left
        )


def test_the_following_page_names_topics_forums_and_blogs_each_in_its_words(client, followed):
    reader = make_member()
    for kind, target in followed.items():
        Subscription.objects.create(member=reader, **{kind: target})
    client.force_login(reader)

    rows = find_all(find(parse(client.get(SUBSCRIPTIONS)), "tbody"), "tr")

    cells = {text(find_all(row, "td")[0]): text(find_all(row, "td")[1]) for row in rows}
    assert cells == {
        tr("The topic “%(title)s”") % {"title": "Envois de fonds"}: tr(
            "Each new post of the topic"
        ),
        tr("The forum “%(name)s”") % {"name": "Diaspora et investissement"}: tr(
            "Each new topic and post of the forum"
        ),
        tr("%(name)s's blog") % {"name": "Awa Diop"}: tr("Each new blog post"),
    }


# --- 6. Blog posts on their project's page; a blog author's page from the first draft --------


def blog_post(author, title, *, project=None, published=True, kind=BlogPostKind.BLOG, **fields):
    return BlogPost.objects.create(
        author=author,
        title=title,
        slug=services.unique_slug(BlogPost, title),
        kind=kind,
        body="Texte.",
        project=project,
        status=BlogPostStatus.PUBLISHED if published else BlogPostStatus.DRAFT,
        published_at=timezone.now() if published else None,
        **fields,
    )


def test_a_blog_post_about_a_project_shows_on_the_projects_page(client, author):
    project = ProjectFactory(title="Projet de Figuig")
    other = ProjectFactory()
    blog_post(author, "Ce que Figuig a appris", project=project, summary="Un bilan.")
    blog_post(author, "Brouillon sur Figuig", project=project, published=False)
    blog_post(author, "Masqué", project=project, is_hidden=True)
    blog_post(StaffFactory(), "Une nouvelle", project=project, kind=BlogPostKind.NEWS)
    blog_post(author, "Ailleurs", project=other)

    section = find(parse(client.get(project.get_absolute_url())), "section", "project-blog-posts")

    items = find_all(section, "li", "project-blog-post")
    assert [text(find(item, "a")) for item in items] == ["Ce que Figuig a appris"]
    assert find_all(items[0], "a", href=reverse("blogs:blog_author", args=[author.slug]))
    assert "Un bilan." in text(items[0])
    elsewhere = find(parse(client.get(other.get_absolute_url())), "section", "project-blog-posts")
    assert [text(find(item, "a")) for item in find_all(elsewhere, "li")] == ["Ailleurs"]


def test_the_project_page_shows_the_five_newest_in_the_same_queries_whatever_their_number(
    client, author
):
    project = ProjectFactory()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(project.get_absolute_url()).status_code == 200
        return len(queries)

    blog_post(author, "Billet 0", project=project)
    BlogPost.objects.update(published_at=timezone.now() - datetime.timedelta(hours=1))
    one = count()
    for n in range(1, 9):
        blog_post(make_member(), f"Billet {n}", project=project)
        BlogPost.objects.filter(title=f"Billet {n}").update(
            published_at=timezone.now() + datetime.timedelta(seconds=n - 60)
        )

    assert count() == one
    section = find(parse(client.get(project.get_absolute_url())), "section", "project-blog-posts")
    shown = [text(find(item, "a")) for item in find_all(section, "li", "project-blog-post")]
    assert shown == [f"Billet {n}" for n in range(8, 3, -1)]


def test_a_blog_authors_page_exists_before_their_first_post(client, author):
    """Awa shares her profile with everyone: her blog's page is there to be followed."""
    blog_post(author, "Brouillon", published=False)
    url = reverse("blogs:blog_author", args=[author.slug])
    nothing_yet = tr("%(name)s has not published a blog post yet.") % {"name": "Awa Diop"}

    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert "Awa Diop" in text(find(parse(anonymous), "h1"))
    assert nothing_yet in text(parse(anonymous))
    assert "Brouillon" not in anonymous.content.decode()

    reader = make_member()
    client.force_login(reader)
    page = parse(client.get(url))
    assert find_all(page, "button", value="follow")
    client.post(FOLLOW, {"kind": "blog_author", "target": author.pk, "action": "follow"})
    assert Subscription.objects.get(member=reader).blog_author == author

    client.force_login(author)
    own = parse(client.get(url))
    assert tr("You have not published a blog post yet.") in text(own)


@pytest.mark.parametrize(
    ("visibility", "reader", "shown"),
    [
        (Visibility.MEMBERS, "anonymous", False),
        (Visibility.MEMBERS, "member", True),
        (Visibility.NOBODY, "member", False),
        (Visibility.NOBODY, "self", True),
    ],
)
def test_a_blog_authors_page_without_posts_follows_their_profiles_visibility(
    client, visibility, reader, shown
):
    author = make_member(name="Nadia Auteure", visibility=visibility)
    if reader == "member":
        client.force_login(make_member())
    elif reader == "self":
        client.force_login(author)

    response = client.get(reverse("blogs:blog_author", args=[author.slug]))

    assert response.status_code == (200 if shown else 404)
    if not shown:
        assert "Nadia" not in response.content.decode()
