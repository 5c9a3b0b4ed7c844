"""Blogs ("M&D goes local") and news: reading, writing a draft then publishing, editing,
feeds, and following topics, forums and blogs, for each kind of actor (anonymous visitor,
member whose email is not verified, verified member, the author, staff)."""

import datetime
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blogs import services as blog_services
from blogs.models import BlogPost, BlogPostKind, BlogPostStatus, Subscription
from blogs.notifications import write_follower_emails
from common.models import OutgoingEmail
from forums import services
from forums.models import Forum
from tests.factories import MemberFactory, ProjectFactory, StaffFactory, verified_member
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

BLOG = "/fr/blog/"
WRITE = "/fr/blog/write/"
NEWS = "/fr/news/"
FOLLOW = "/fr/forums/follow/"
SUBSCRIPTIONS = "/fr/forums/subscriptions/"
XSS_BODY = (
    'Bonjour <script>alert("x")</script> [clic](javascript:alert(1)) '
    '<img src=x onerror=alert(1)> <iframe src="https://evil.example"></iframe>'
)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def blog_post(author, title="Un billet", *, published=True, kind=BlogPostKind.BLOG, **fields):
    fields.setdefault("body", f"Le texte de « {title} ».")
    fields.setdefault("published_at", timezone.now() if published else None)
    return BlogPost.objects.create(
        author=author,
        title=title,
        slug=services.unique_slug(BlogPost, title),
        kind=kind,
        status=BlogPostStatus.PUBLISHED if published else BlogPostStatus.DRAFT,
        **fields,
    )


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path.endswith("/accounts/login/")


@pytest.fixture
def author():
    return verified_member(name="Awa Autrice")


ACTORS = ["anonymous", "unverified", "verified", "author", "staff"]


@pytest.fixture
def as_actor(client, author):
    """Log the client in as the named actor; returns that person (None when anonymous)."""

    def login(actor):
        person = {
            "anonymous": None,
            "unverified": lambda: MemberFactory(name="Non Vérifié"),
            "verified": lambda: verified_member(name="Binta Lectrice"),
            "author": lambda: author,
            "staff": lambda: StaffFactory(name="Équipe ICMD"),
        }[actor]
        person = person() if person else None
        if person:
            client.force_login(person)
        return person

    return login


# --- Reading -------------------------------------------------------------------------------


def test_blog_list_shows_published_posts_newest_first_with_author_and_summary(client, author):
    now = timezone.now()
    blog_post(author, "Ancien", summary="Le plus ancien.", published_at=now - datetime.timedelta(2))
    blog_post(author, "Récent", summary="Le plus récent.", published_at=now)
    blog_post(author, "Brouillon", published=False)
    blog_post(author, "Caché", is_hidden=True)
    blog_post(author, "Plus tard", published_at=now + datetime.timedelta(days=1))
    blog_post(StaffFactory(), "Une nouvelle", kind=BlogPostKind.NEWS)

    page = parse(client.get(BLOG))

    articles = find_all(page, "article")
    assert [text(find(a, "h2")) for a in articles] == ["Récent", "Ancien"]
    assert "Awa Autrice" in text(articles[0])
    assert "Le plus récent." in text(articles[0])
    author_link = find(articles[0], "a", href=f"/fr/blog/authors/{author.slug}/")
    assert text(author_link) == "Awa Autrice"


def test_blog_list_is_paginated(client, author):
    for number in range(12):
        blog_post(author, f"Billet {number}")
    first = parse(client.get(BLOG))
    second = parse(client.get(BLOG + "?page=2"))
    assert len(find_all(first, "article")) == 10
    assert len(find_all(second, "article")) == 2
    assert client.get(BLOG + "?page=abc").status_code == 200


def test_pages_link_their_feeds_in_the_head(client, author):
    post = blog_post(author)
    for url, feeds in [
        (BLOG, ("/fr/blog/feed/rss/", "/fr/blog/feed/atom/")),
        (post.get_absolute_url(), ("/fr/blog/feed/rss/", "/fr/blog/feed/atom/")),
        (NEWS, ("/fr/news/feed/rss/", "/fr/news/feed/atom/")),
    ]:
        head = find(parse(client.get(url)), "head")
        links = find_all(head, "link", rel="alternate")
        assert {link.attrs["href"] for link in links} == set(feeds)
        assert {link.attrs["type"] for link in links} == {
            "application/rss+xml",
            "application/atom+xml",
        }


def test_a_post_page_shows_the_sanitised_text(client, author):
    project = ProjectFactory(title="Projet Upala", published=True)
    post = blog_post(author, "Sans danger", body=XSS_BODY + "\n\n**gras**", project=project)

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>gras</strong>" in html
    for bad in ("<script>alert", 'href="javascript:', "<img", "<iframe"):
        assert bad not in html
    assert project.get_absolute_url() in html


@pytest.mark.parametrize("actor", ACTORS)
def test_a_draft_is_seen_by_its_author_only(client, author, as_actor, actor):
    draft = blog_post(author, "Mon brouillon", published=False)
    as_actor(actor)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == (200 if actor == "author" else 404)
    if actor == "author":
        assert tr("Draft: only you can see it") in text(parse(response))


def test_a_hidden_post_is_gone_for_readers(client, author):
    hidden = blog_post(author, "Caché", is_hidden=True)
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_a_blog_post_is_not_at_a_news_address_and_the_reverse(client, author, staff):
    post = blog_post(author, "Billet")
    news = blog_post(staff, "Nouvelle", kind=BlogPostKind.NEWS)
    assert client.get(f"/fr/news/{post.slug}/").status_code == 404
    assert client.get(f"/fr/blog/{news.slug}/").status_code == 404
    assert client.get(news.get_absolute_url()).status_code == 200


def test_blog_author_page_lists_that_members_published_posts(client, author):
    other = verified_member(name="Autre Auteur")
    blog_post(author, "Le mien")
    blog_post(author, "Pas encore", published=False)
    blog_post(other, "Le sien")

    page = parse(client.get(f"/fr/blog/authors/{author.slug}/"))

    assert [text(find(a, "h2")) for a in find_all(page, "article")] == ["Le mien"]
    assert "Awa Autrice" in text(find(page, "h1"))


def test_blog_author_page_404_without_published_posts_or_member(client, author):
    blog_post(author, "Brouillon", published=False)
    assert client.get(f"/fr/blog/authors/{author.slug}/").status_code == 404
    assert client.get("/fr/blog/authors/nobody-000000/").status_code == 404
    client.force_login(author)
    assert client.get(f"/fr/blog/authors/{author.slug}/").status_code == 200


def test_a_deleted_account_signs_former_member(client, author):
    post = blog_post(author, "Toujours là")
    author.deleted_at = timezone.now()
    author.name = ""
    author.save()
    former = tr("Former member")

    assert former in text(parse(client.get(BLOG)))
    assert former in text(parse(client.get(post.get_absolute_url())))
    assert former in text(find(parse(client.get(f"/fr/blog/authors/{author.slug}/")), "h1"))


def test_blog_list_query_count_does_not_grow(client, author, django_assert_num_queries):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BLOG).status_code == 200
        return len(queries)

    project = ProjectFactory(published=True)
    for number in range(5):
        blog_post(verified_member(), f"Billet {number}", summary="Résumé", project=project)
    few = count()
    for number in range(45):
        blog_post(verified_member(), f"Autre billet {number}", summary="Résumé", project=project)
    many = count()

    assert few == many
    with django_assert_num_queries(2):  # the count, the page of posts with authors, projects
        client.get(BLOG)


# --- Writing, publishing, editing ----------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_write_a_blog_post(client, as_actor, actor):
    person = as_actor(actor)

    response = client.get(WRITE)

    if actor == "anonymous":
        assert goes_to_login(response)
        return
    if actor == "unverified":
        assert response.status_code == 403
        refused = client.post(WRITE, {"title": "T", "body": "B", "action": "save"})
        assert refused.status_code == 403
        assert not BlogPost.objects.exists()
        return
    assert response.status_code == 200
    data = form_values(response, "blog-post-form") | {"title": "Mon billet", "body": "Texte"}
    saved = client.post(WRITE, data | {"action": "save"})
    post = BlogPost.objects.get()
    assert saved.status_code == 302 and saved.url == post.get_absolute_url()
    assert (post.author, post.status, post.kind) == (person, BlogPostStatus.DRAFT, "blog")
    assert post.published_at is None


def test_draft_then_publish(client, author):
    client.force_login(author)
    project = ProjectFactory(published=True)
    client.post(
        WRITE,
        {"title": "Upala", "summary": "Court", "body": "**Long**", "project": project.pk},
    )
    post = BlogPost.objects.get()
    assert post.status == BlogPostStatus.DRAFT
    assert client.get(BLOG).content.decode().count("Upala") == 1  # in "Your drafts" only
    edit_url = f"/fr/blog/{post.slug}/edit/"

    form = form_values(client.get(edit_url), "blog-post-form")
    response = client.post(edit_url, form | {"action": "publish"})

    post.refresh_from_db()
    assert response.status_code == 302
    assert post.status == BlogPostStatus.PUBLISHED
    assert post.published_at is not None
    assert post.project == project
    assert post.body_html == "<p><strong>Long</strong></p>\n"
    client.logout()
    assert "Upala" in text(parse(client.get(BLOG)))


def test_write_and_publish_at_once(client, author):
    client.force_login(author)
    client.post(WRITE, {"title": "Direct", "body": "Texte", "action": "publish"})
    post = BlogPost.objects.get()
    assert post.status == BlogPostStatus.PUBLISHED and post.published_at is not None


def test_a_blog_post_sent_twice_is_written_once(client, author):
    client.force_login(author)
    form = form_values(client.get(WRITE), "blog-post-form")
    form |= {"title": "Retour de Kayes", "body": "Le voyage.", "action": "publish"}

    first = client.post(WRITE, form)
    second = client.post(WRITE, form)

    post = BlogPost.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == post.get_absolute_url()


def test_writing_past_the_rate_limit_is_429_and_saves_nothing(client, author, settings):
    """Each published post emails the author's followers: one member cannot publish 30
    posts in two seconds. A draft published later counts too; editing does not."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "blog_post": "3/h/user"}
    client.force_login(author)
    for number in range(2):
        published = {"title": f"Billet {number}", "body": "Texte", "action": "publish"}
        assert client.post(WRITE, published).status_code == 302
    assert client.post(WRITE, {"title": "Brouillon", "body": "Texte"}).status_code == 302
    draft = BlogPost.objects.get(title="Brouillon")
    edit_url = f"/fr/blog/{draft.slug}/edit/"
    saved_again = form_values(client.get(edit_url), "blog-post-form") | {"body": "Relu"}
    assert client.post(edit_url, saved_again).status_code == 302  # not counted

    too_many = client.post(WRITE, {"title": "Quatrième", "body": "Mon texte", "action": "publish"})
    publishing = form_values(client.get(edit_url), "blog-post-form") | {"action": "publish"}
    too_many_published = client.post(edit_url, publishing)

    assert too_many.status_code == too_many_published.status_code == 429
    assert tr(
        "You have written many posts in a short while: this one was not saved. Please try "
        "again later (your text is still below)."
    ) in text(parse(too_many))
    assert "Mon texte" in too_many.content.decode()  # the text is still in the form
    assert BlogPost.objects.filter(author=author).count() == 3
    draft.refresh_from_db()
    assert draft.status == BlogPostStatus.DRAFT
    # Someone else may still publish.
    client.force_login(verified_member())
    assert (
        client.post(WRITE, {"title": "Autre", "body": "x", "action": "publish"}).status_code == 302
    )


def test_a_blog_post_edited_in_two_tabs_shows_the_conflict_and_loses_nothing(client, author):
    post = blog_post(author, "Upala")
    edit_url = f"/fr/blog/{post.slug}/edit/"
    client.force_login(author)
    first_tab = form_values(client.get(edit_url), "blog-post-form")
    second_tab = form_values(client.get(edit_url), "blog-post-form")
    saved = client.post(edit_url, first_tab | {"body": "Écrit dans le premier onglet."})
    assert saved.status_code == 302

    response = client.post(edit_url, second_tab | {"body": "Écrit dans le second onglet."})

    assert response.status_code == 409
    conflict = find(parse(response), "section", "edit-conflict")
    assert text(find(conflict, "div", "saved-text")) == "Écrit dans le premier onglet."
    form = find(parse(response), "form", id="blog-post-form")
    assert text(find(form, "textarea", name="body")) == "Écrit dans le second onglet."
    post.refresh_from_db()
    assert post.body == "Écrit dans le premier onglet."
    # Sent again once read: it replaces the saved text knowingly.
    version = find(form, "input", name="version").attrs["value"]
    again = second_tab | {"body": "Écrit dans le second onglet.", "version": version}
    assert client.post(edit_url, again).status_code == 302
    post.refresh_from_db()
    assert post.body == "Écrit dans le second onglet."


def test_two_staff_saving_the_same_news_in_the_admin(client, staff):
    news = blog_post(staff, "Lancement", kind=BlogPostKind.NEWS)
    other = StaffFactory()
    change = f"/admin/blogs/blogpost/{news.pk}/change/"
    client.force_login(staff)
    mine = form_values(client.get(change), "blogpost_form")
    other_client = Client()
    other_client.force_login(other)
    theirs = form_values(other_client.get(change), "blogpost_form")
    assert other_client.post(change, theirs | {"title_en": "Launch"}).status_code == 302

    response = client.post(change, mine | {"title_es": "Lanzamiento"})

    assert response.status_code == 200  # the form again, with the reason
    assert tr(
        "Someone else saved this post after you opened it. Open it again "
        "to see what they changed, then make your changes again."
    ) in text(parse(response))
    news.refresh_from_db()
    assert (news.title_en, news.title_es) == ("Launch", None)


def test_hiding_a_blog_post_in_the_admin_withdraws_its_emails_not_sent_yet(
    client, author, staff, run_tasks
):
    follower = verified_member()
    Subscription.objects.create(member=follower, blog_author=author)
    post = blog_services.write_blog_post(author=author, title="Billet", body="Texte.", publish=True)
    write_follower_emails(time_limit=60)  # the worker writes them; it has not sent them yet
    assert OutgoingEmail.objects.get(to=follower.email).status == "pending"
    client.force_login(staff)
    change = f"/admin/blogs/blogpost/{post.pk}/change/"

    data = form_values(client.get(change), "blogpost_form") | {"is_hidden": "on"}
    assert client.post(change, data).status_code == 302

    assert OutgoingEmail.objects.get(to=follower.email).status == "cancelled"
    run_tasks()
    assert mail.outbox == []


@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_author_edits_a_post(client, author, as_actor, actor):
    post = blog_post(author, "Original")
    edit_url = f"/fr/blog/{post.slug}/edit/"
    as_actor(actor)

    response = client.get(edit_url)
    changed = client.post(
        edit_url, {"title": "Changé", "body": "Changé", "action": "save", "version": post.version}
    )

    post.refresh_from_db()
    if actor == "anonymous":
        assert goes_to_login(response) and goes_to_login(changed)
    elif actor == "author":
        assert response.status_code == 200 and changed.status_code == 302
        assert post.title == "Changé"
        assert post.status == BlogPostStatus.PUBLISHED
        return
    else:
        assert response.status_code == 403 and changed.status_code == 403
    assert post.title == "Original"


def test_others_drafts_cannot_even_be_found_for_editing(client, author):
    draft = blog_post(author, "Brouillon", published=False)
    client.force_login(verified_member())
    assert client.get(f"/fr/blog/{draft.slug}/edit/").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "body": "Texte"},
        {"title": "   ", "body": "Texte"},
        {"title": "Titre", "body": "  "},
        {"title": "x" * 201, "body": "Texte"},
        {"title": "Titre", "body": "Texte", "summary": "x" * 301},
        {"title": "Titre", "body": "x" * 50001},
        {"title": "Titre", "body": "Texte", "project": "not-a-number"},
    ],
)
def test_bad_input_is_refused_with_a_message(client, author, data):
    client.force_login(author)
    response = client.post(WRITE, data | {"action": "publish"})
    assert response.status_code == 400
    assert find_all(parse(response), "span", "field-error")
    assert not BlogPost.objects.exists()


def test_titles_are_escaped(client, author):
    blog_post(author, '<script>alert("t")</script>')
    html = client.get(BLOG).content.decode()
    assert '<script>alert("t")' not in html
    assert "&lt;script&gt;" in html


# --- News ----------------------------------------------------------------------------------


def test_members_cannot_write_news(client, author):
    client.force_login(author)
    client.post(WRITE, {"title": "Pas une nouvelle", "body": "B", "kind": "news"})
    assert BlogPost.objects.get().kind == BlogPostKind.BLOG
    assert client.get("/admin/blogs/blogpost/add/").status_code == 302  # to the admin login


def test_staff_publish_news_in_the_admin(client, staff):
    client.force_login(staff)
    add = "/admin/blogs/blogpost/add/"
    data = form_values(client.get(add), "blogpost_form")
    assert data["kind"] == "news"
    # Staff write the news in each language, side by side.
    data |= {
        "title_fr": "Lancement",
        "title_en": "Launch",
        "title_es": "Lanzamiento",
        "slug": "lancement",
        "body_fr": "Le *portail* ouvre.",
        "body_en": "The *portal* opens.",
        "body_es": "",
        "status": "published",
    }

    response = client.post(add, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    news = BlogPost.objects.get()
    assert (news.kind, news.author, news.status) == ("news", staff, "published")
    assert news.published_at is not None
    for language, title in [("fr", "Lancement"), ("en", "Launch"), ("es", "Lanzamiento")]:
        page = parse(client.get(f"/{language}/news/"))
        assert [text(find(find(a, "h2"), "a")) for a in find_all(page, "article")] == [title]
    assert "<em>portail</em>" in client.get(news.get_absolute_url()).content.decode()
    assert "<em>portal</em>" in client.get(f"/en/news/{news.slug}/").content.decode()
    # No Spanish text: the French one, marked, with a note.
    spanish = parse(client.get(f"/es/news/{news.slug}/"))
    (french_body,) = find_all(spanish, "div", lang="fr")
    assert text(french_body) == "Le portail ouvre."
    assert find_all(spanish, "small", "untranslated")
    assert "Lancement" not in text(parse(client.get(BLOG)))


# --- Feeds ---------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("kind", ["blog", "news"])
@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_one_control_character_does_not_break_a_feed(client, author, kind, feed):
    """Saved before control characters were refused on input (or typed by staff): the
    feed stays valid XML for every reader, without the character."""
    author.name = "Awa\x0b Ndiaye"
    author.save()
    blog_post(author, "Escape\x1b[31m rouge", kind=kind, body="Texte\x0b avec\x07 contrôle")

    response = client.get(f"/fr/{kind}/feed/{feed}/")

    assert response.status_code == 200
    ET.fromstring(response.content)  # well-formed
    content = response.content.decode()
    assert "Escape[31m rouge" in content
    assert "Texte avec contrôle" in content


@pytest.mark.parametrize("kind", ["blog", "news"])
def test_rss_feed(client, author, kind):
    now = timezone.now()
    for number in range(22):
        blog_post(
            author,
            f"Billet {number}",
            kind=kind,
            body=XSS_BODY,
            published_at=now - datetime.timedelta(hours=number),
        )
    blog_post(author, "Brouillon", kind=kind, published=False)

    response = client.get(f"/fr/{kind}/feed/rss/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("link") == f"http://testserver/fr/{kind}/"
    items = channel.findall("item")
    assert len(items) == 20
    assert items[0].findtext("title") == "Billet 0"
    first = BlogPost.objects.get(title="Billet 0")
    assert items[0].findtext("link") == f"http://testserver{first.get_absolute_url()}"
    for item in items:
        description = item.findtext("description")
        assert "<p>Bonjour" in description
        for bad in ("<script", 'href="javascript:', "<img", "<iframe"):
            assert bad not in description
    assert "Brouillon" not in response.content.decode()


@pytest.mark.parametrize("kind", ["blog", "news"])
def test_atom_feed(client, author, kind):
    post = blog_post(author, "Atome & cie", kind=kind, body=XSS_BODY)

    response = client.get(f"/fr/{kind}/feed/atom/")

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{ATOM}title") == "Atome & cie"
    assert entry.find(f"{ATOM}link").attrib["href"] == (
        f"http://testserver{post.get_absolute_url()}"
    )
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Awa Autrice"
    summary = entry.findtext(f"{ATOM}summary")
    assert "<script" not in summary and "<img" not in summary


# --- Following -----------------------------------------------------------------------------


@pytest.fixture
def targets(author):
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    author.follow_own_topics = False  # who follows what is each test's own
    author.save(update_fields=["follow_own_topics"])
    topic = services.start_topic(
        author=author, forum=forum, title="Envois de fonds", body="Premier message."
    )
    blog_post(author, "Un billet")
    return {"topic": topic, "forum": forum, "blog_author": author}


@pytest.mark.parametrize("kind", ["topic", "forum", "blog_author"])
@pytest.mark.parametrize("actor", ["anonymous", "unverified", "verified", "staff"])
def test_follow_and_unfollow(client, targets, as_actor, actor, kind):
    person = as_actor(actor)
    target = targets[kind]
    data = {"kind": kind, "target": target.pk, "next": "/fr/forums/"}

    assert client.get(FOLLOW).status_code in (302, 405)
    response = client.post(FOLLOW, data | {"action": "follow"})

    if actor == "anonymous":
        assert goes_to_login(response)
        assert not Subscription.objects.exists()
        return
    if actor == "unverified":
        assert response.status_code == 403
        assert not Subscription.objects.exists()
        return
    assert response.status_code == 302 and response.url == "/fr/forums/"
    subscription = Subscription.objects.get()
    assert subscription.member == person
    assert getattr(subscription, kind) == target
    # Twice is still once
    client.post(FOLLOW, data | {"action": "follow"})
    assert Subscription.objects.count() == 1

    client.post(FOLLOW, data | {"action": "unfollow"})
    assert not Subscription.objects.exists()


def test_follow_goes_back_to_the_target_rather_than_elsewhere(client, targets):
    client.force_login(verified_member())
    topic = targets["topic"]
    data = {"kind": "topic", "target": topic.pk, "action": "follow"}
    response = client.post(FOLLOW, data | {"next": "https://evil.example/"})
    assert response.url == topic.get_absolute_url()


def test_follow_refuses_what_cannot_be_followed(client, targets, author):
    client.force_login(author)
    own_blog = {"kind": "blog_author", "target": author.pk, "action": "follow"}
    assert client.post(FOLLOW, own_blog).status_code == 400
    assert (
        client.post(FOLLOW, {"kind": "planet", "target": 1, "action": "follow"}).status_code == 400
    )
    assert (
        client.post(FOLLOW, {"kind": "topic", "target": "x", "action": "follow"}).status_code == 400
    )
    assert (
        client.post(FOLLOW, {"kind": "topic", "target": 999999, "action": "follow"}).status_code
        == 404
    )
    hidden = targets["topic"]
    hidden.is_hidden = True
    hidden.save()
    client.force_login(verified_member())
    data = {"kind": "topic", "target": hidden.pk, "action": "follow"}
    assert client.post(FOLLOW, data).status_code == 404
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("who", ["hidden profile", "unconfirmed", "staff", "closed"])
def test_following_a_member_reveals_nobody_the_reader_may_not_see(client, who):
    """The button's answer names whom it follows: an id of a member the reader may not
    see answers exactly like an id that does not exist."""
    if who == "hidden profile":
        target = verified_member(name="Nadia Cachée", visibility="nobody")
    elif who == "unconfirmed":
        target = MemberFactory(name="Nadia Cachée")
    elif who == "staff":
        target = StaffFactory(name="Nadia Cachée", visibility="nobody")
    else:
        target = verified_member(name="Nadia Cachée", is_active=False)
    client.force_login(verified_member())
    follow = {"kind": "blog_author", "action": "follow"}

    hidden = client.post(FOLLOW, follow | {"target": target.pk}, follow=True)
    unknown = client.post(FOLLOW, follow | {"target": 999_999}, follow=True)

    assert hidden.status_code == unknown.status_code == 404
    assert "Nadia" not in hidden.content.decode()
    assert not Subscription.objects.exists()


def test_an_author_with_a_published_post_may_be_followed_whatever_their_profile(client):
    author = verified_member(name="Nadia Auteure", visibility="nobody")
    blog_post(author)
    client.force_login(verified_member())
    data = {"kind": "blog_author", "target": author.pk, "action": "follow"}
    assert client.post(FOLLOW, data).status_code == 302
    assert Subscription.objects.get().blog_author == author
    # Followed before the author hid everything: they may still be unfollowed.
    BlogPost.objects.update(status=BlogPostStatus.DRAFT)
    assert client.post(FOLLOW, data | {"action": "unfollow"}).status_code == 302
    assert not Subscription.objects.exists()


def test_follow_button_on_a_blog_author_page(client, targets, author):
    url = f"/fr/blog/authors/{author.slug}/"
    anonymous = parse(client.get(url))
    assert tr("Log in to follow") in text(anonymous)

    reader = verified_member()
    client.force_login(reader)
    page = client.get(url)
    button = find(parse(page), "button", value="follow")
    assert text(button) == tr("Follow")
    client.post(
        FOLLOW,
        {"kind": "blog_author", "target": author.pk, "action": "follow", "next": url},
    )
    assert text(find(parse(client.get(url)), "button", value="unfollow")) == tr("Unfollow")

    client.force_login(author)  # no button on one's own blog
    assert not find_all(parse(client.get(url)), "button", value="follow")


def test_my_subscriptions_lists_and_unfollows(client, targets):
    assert goes_to_login(client.get(SUBSCRIPTIONS))
    reader = verified_member()
    for kind, target in targets.items():
        Subscription.objects.create(member=reader, **{kind: target})
    Subscription.objects.create(member=verified_member(), forum=targets["forum"])  # someone else's
    client.force_login(reader)

    page = parse(client.get(SUBSCRIPTIONS))

    rows = find_all(find(page, "tbody"), "tr")
    assert len(rows) == 3
    assert "Envois de fonds" in text(page) and "Diaspora" in text(page)
    assert "Awa Autrice" in text(page)
    form = find(rows[0], "form")
    data = {
        find_input["name"]: find_input.get("value", "")
        for find_input in (node.attrs for node in find_all(form, "input"))
    }
    response = client.post(FOLLOW, data | {"action": "unfollow"})
    assert response.url == SUBSCRIPTIONS
    assert Subscription.objects.filter(member=reader).count() == 2
    assert Subscription.objects.count() == 3


def test_subscriptions_page_query_count(client, targets, django_assert_max_num_queries):
    reader = verified_member()
    for kind, target in targets.items():
        Subscription.objects.create(member=reader, **{kind: target})
    client.force_login(reader)
    with django_assert_max_num_queries(5):
        client.get(reverse("blogs:subscriptions"))


@pytest.mark.parametrize("kind", ["topic", "forum"])
def test_follow_button_on_topic_and_forum_pages(client, targets, kind):
    target = targets[kind]
    url = target.get_absolute_url()
    assert tr("Log in to follow") in text(parse(client.get(url)))

    reader = verified_member()
    client.force_login(reader)
    form = find(parse(client.get(url)), "form", "follow-button")
    assert text(find(form, "button", value="follow")) == tr("Follow")
    data = {i.attrs["name"]: i.attrs.get("value", "") for i in find_all(form, "input")}
    response = client.post(form.attrs["action"], data | {"action": "follow"})

    assert response.url == url
    assert getattr(Subscription.objects.get(member=reader), kind) == target
    assert find_all(parse(client.get(url)), "button", value="unfollow")


# --- Languages -----------------------------------------------------------------------------


def test_a_blog_post_is_written_in_one_language_whatever_the_page(client, author):
    client.force_login(author)

    client.post(
        "/en/blog/write/",
        {"title": "Remesas", "summary": "Resumen.", "body": "Texto.", "language": "es"},
    )

    post = BlogPost.objects.get()
    assert (post.language, post.title_es, post.title_en, post.title_fr) == (
        "es",
        "Remesas",
        "",
        "",
    )
    assert post.body_html_es.strip() == "<p>Texto.</p>"


def test_editing_a_blog_post_can_change_its_language(client, author):
    client.force_login(author)
    post = blog_post(author, "Transferts")
    post.set_text("fr", title="Transferts", summary="", body="Texte.")
    post.save()

    form = parse(client.get(f"/en/blog/{post.slug}/edit/"))
    assert find(form, "input", name="title").attrs["value"] == "Transferts"

    client.post(
        f"/en/blog/{post.slug}/edit/",
        {
            "title": "Remittances",
            "summary": "",
            "body": "Text.",
            "language": "en",
            "version": post.version,
        },
    )

    post.refresh_from_db()
    assert (post.language, post.title_en, post.title_fr) == ("en", "Remittances", "")
    page = parse(client.get(f"/fr/blog/{post.slug}/"))
    assert text(find(page, "h1", lang="en")) == "Remittances"
    assert not find_all(page, "small", "untranslated")  # a member's text: no note


def test_news_list_marks_a_missing_translation(client, staff):
    news = blog_post(staff, "Lancement", kind=BlogPostKind.NEWS)
    news.title_en = "Launch"
    news.save()

    english = parse(client.get("/en/news/"))
    spanish = parse(client.get("/es/news/"))

    assert text(find(find(english, "h2"), "a")) == "Launch"
    assert not find_all(english, "small", "untranslated")
    assert text(find(find(spanish, "h2"), "span", lang="fr")) == "Lancement"
    assert find_all(spanish, "small", "untranslated")


@pytest.mark.parametrize(("page", "written"), [("fr", "en"), ("en", "fr"), ("es", "fr")])
def test_news_missing_in_the_page_language_is_shown_marked(client, staff, page, written):
    news = blog_post(staff, "x", kind=BlogPostKind.NEWS)
    for code in ("fr", "en", "es"):
        setattr(news, f"title_{code}", "Launch" if code == written else "")
        setattr(news, f"body_{code}", "The *portal* opens." if code == written else "")
    news.save()

    response = parse(client.get(f"/{page}/news/{news.slug}/"))

    assert text(find(find(response, "h1"), "span", lang=written)) == "Launch"
    assert text(find(response, "div", lang=written)) == "The portal opens."
    assert find_all(response, "small", "untranslated")
