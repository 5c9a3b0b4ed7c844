"""Every section from every page: the header's sections (the one being read marked with
aria-current), the member's menu, the moderators' flags waiting, the footer, the search
box, in each language; and what the menu costs in queries."""

import time

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from blogs.models import BlogPost, BlogPostKind, BlogPostStatus
from forums import services
from forums.models import MODERATORS_GROUP, Forum
from icmd import navigation
from projects.models import Organisation, Project
from tests.factories import MemberFactory, StaffFactory, verified_member
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

LANGUAGES = ["fr", "en", "es"]
# The header's sections: (label, address without the language).
SECTIONS = [
    ("Projects", "projects/"),
    ("M4D Net", "network/"),
    ("Discussions", "forums/"),
    ("Blogs", "blog/"),
    ("News", "news/"),
    ("Library", "library/"),
    ("Learning", "learning/"),
    ("Events", "events/"),
]


def blog_post(author, title, kind=BlogPostKind.BLOG):
    return BlogPost.objects.create(
        author=author,
        title=title,
        slug=services.unique_slug(BlogPost, title),
        kind=kind,
        body="Un texte.",
        status=BlogPostStatus.PUBLISHED,
        published_at=timezone.now(),
    )


@pytest.fixture
def site(seed_copy):
    """A page of each app: the catalogue, M4D Net, the forums, blogs and news, the site's
    own pages and the search."""
    author = verified_member(name="Awa Autrice")
    topic = services.start_topic(
        author=author,
        forum=Forum.objects.order_by("pk").first(),
        title="Les transferts de fonds à Kolda",
        body="Que financent les migrants ?",
    )
    post = blog_post(author, "Un billet de Kolda")
    news = blog_post(StaffFactory(), "Une nouvelle", kind=BlogPostKind.NEWS)
    project = Project.objects.published().order_by("pk").first()
    organisation = Organisation.objects.listed().order_by("pk").first()
    return {
        "home": "",
        "about": "about/initiative/",
        "search": "search/?q=migration",
        "projects": "projects/",
        "project": project.get_absolute_url()[4:],
        "country": f"countries/{project.country.code.lower()}/",
        "statistics": "statistics/",
        "network": "network/",
        "members": "network/members/",
        "organisations": "network/organisations/",
        "organisation": organisation.get_absolute_url()[4:],
        "forums": "forums/",
        "topic": topic.get_absolute_url()[4:],
        "blog": "blog/",
        "blog post": post.get_absolute_url()[4:],
        "news": "news/",
        "news item": news.get_absolute_url()[4:],
        "library": "library/",
        "learning": "learning/",
    }


# The section each page belongs to, and how it is marked there.
CURRENT = {
    "home": None,
    "about": None,
    "search": None,
    "projects": ("projects/", "page"),
    "project": ("projects/", "true"),
    "country": ("projects/", "true"),
    "statistics": ("projects/", "true"),
    "network": ("network/", "page"),
    "members": ("network/", "true"),
    "organisations": ("network/", "true"),
    "organisation": ("network/", "true"),
    "forums": ("forums/", "page"),
    "topic": ("forums/", "true"),
    "blog": ("blog/", "page"),
    "blog post": ("blog/", "true"),
    "news": ("news/", "page"),
    "news item": ("news/", "true"),
    "library": ("library/", "page"),
    "learning": ("learning/", "page"),
}


def header(response, status=200):
    assert response.status_code == status
    return find(parse(response), "header", "site-header")


def section_links(response, status=200) -> list[tuple[str, str, str | None]]:
    """(text, href, aria-current) of the header's sections."""
    sections = find(find(header(response, status), "nav", "main-nav"), "ul", "sections")
    return [
        (text(link), link.attrs["href"], link.attrs.get("aria-current"))
        for link in find_all(sections, "a")
    ]


def member_menu(response) -> dict[str, str]:
    menus = find_all(header(response), "ul", "member-menu")
    return {text(link): link.attrs["href"] for menu in menus for link in find_all(menu, "a")}


def footer(response):
    return find(parse(response), "footer", "site-footer")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_every_app_links_every_section_and_marks_its_own(client, site, language):
    for name, path in site.items():
        response = client.get(f"/{language}/{path}")
        links = section_links(response)

        assert [(label, href) for label, href, _current in links] == [
            (tr(label, language), f"/{language}/{address}") for label, address in SECTIONS
        ], name
        marked = [(href, current) for _label, href, current in links if current]
        expected = CURRENT[name]
        assert marked == ([(f"/{language}/{expected[0]}", expected[1])] if expected else []), name


def test_the_menu_folds_into_a_disclosure_with_the_sections_inside(client, site):
    page = header(client.get("/fr/"))
    disclosure = find(page, "details", "site-menu")

    assert text(find(disclosure, "summary")) == tr("Menu")
    assert "open" not in disclosure.attrs
    assert len(find_all(find(disclosure, "ul", "sections"), "a")) == len(SECTIONS)
    # Logging in and joining stay outside it, visible on a phone.
    actions = find(page, "ul", "account-actions")
    assert [text(a) for a in find_all(actions, "a")] == [tr("Log in"), tr("Join M4D Net")]


def test_visitors_have_no_member_menu(client, db):
    assert member_menu(client.get("/fr/")) == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_members_menu(client, language):
    client.force_login(verified_member())

    response = client.get(f"/{language}/projects/")

    assert member_menu(response) == {
        tr("My profile", language): f"/{language}/network/me/",
        tr("My organisations", language): f"/{language}/network/me/organisations/",
        tr("Following", language): f"/{language}/forums/subscriptions/",
        tr("My shared resources", language): f"/{language}/library/share/mine/",
        tr("My courses", language): f"/{language}/learning/mine/",
    }
    actions = find(header(response), "ul", "account-actions")
    assert text(find(actions, "button")) == tr("Log out", language)


def test_the_page_being_read_is_marked_in_the_members_menu(client, db):
    client.force_login(verified_member())

    menu = find(header(client.get("/fr/forums/subscriptions/")), "ul", "member-menu")

    current = [(text(a), a.attrs.get("aria-current")) for a in find_all(menu, "a")]
    assert (tr("Following"), "page") in current
    assert [name for name, marked in current if marked] == [tr("Following")]


def flag_posts(count: int) -> None:
    topic = services.start_topic(
        author=verified_member(),
        forum=Forum.objects.get_or_create(slug="forum", defaults={"name": "Forum"})[0],
        title="Un sujet",
        body="Premier message.",
    )
    for _n in range(count):
        post = services.reply(author=verified_member(), topic=topic, body="Un message.")
        services.flag_post(member=verified_member(), post=post, reason="Spam.")


def moderator():
    member = verified_member(name="Modeste Rateur")
    member.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return member


def flags_item(response) -> tuple[str, str]:
    menu = find(header(response), "ul", "member-menu")
    (link,) = [a for a in find_all(menu, "a") if a.attrs["href"] == reverse("forums:flags")]
    return text(link), text(find(link, "span", "count"))


@pytest.mark.parametrize("who", ["moderator", "staff"])
def test_moderators_see_the_flags_waiting(client, who):
    flag_posts(3)
    resolved = services.flag_post(
        member=verified_member(),
        post=services.reply(
            author=verified_member(), topic=Forum.objects.get().topics.get(), body="Encore."
        ),
        reason="Hors sujet.",
    )
    person = moderator() if who == "moderator" else StaffFactory()
    services.resolve_flag(moderator=person, flag=resolved, hide=False)
    client.force_login(person)

    label, count = flags_item(client.get("/fr/"))

    assert label.startswith(tr("Flags"))
    assert count.startswith("3")


def test_members_who_do_not_moderate_have_no_flags_item(client, db):
    flag_posts(1)
    client.force_login(verified_member())

    assert reverse("forums:flags") not in member_menu(client.get("/fr/")).values()


def test_the_flags_waiting_are_counted_again_after_a_minute(client, db, monkeypatch):
    flag_posts(1)
    client.force_login(moderator())
    assert flags_item(client.get("/fr/"))[1].startswith("1")

    flag_posts(1)
    assert flags_item(client.get("/fr/"))[1].startswith("1")  # kept for a minute

    later = time.time() + navigation.MODERATION_KEPT_FOR + 1
    monkeypatch.setattr(navigation.time, "time", lambda: later)
    assert flags_item(client.get("/fr/"))[1].startswith("2")


def test_a_member_made_moderator_gets_the_flags_item_within_a_minute(client, db, monkeypatch):
    flag_posts(2)
    member = verified_member()
    client.force_login(member)
    assert reverse("forums:flags") not in member_menu(client.get("/fr/")).values()

    member.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    later = time.time() + navigation.MODERATION_KEPT_FOR + 1
    monkeypatch.setattr(navigation.time, "time", lambda: later)

    assert flags_item(client.get("/fr/"))[1].startswith("2")


def queries_of(client, url) -> tuple[list[str], dict[str, str]]:
    """The queries of a page, and its member's menu."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return [query["sql"] for query in queries], member_menu(response)


@pytest.mark.parametrize("who", ["member", "moderator", "staff"])
def test_the_members_menu_costs_no_query(client, seed_copy, who):
    """A member's page costs what a visitor's does, plus their session and account: the
    menu, flags waiting included, is read from the session noted when they logged in."""
    flag_posts(2)
    url = "/fr/projects/"
    visitor = len(queries_of(Client(), url)[0])
    person = {"member": verified_member, "moderator": moderator, "staff": StaffFactory}[who]()
    client.force_login(person)

    for _page in range(2):
        queries, menu = queries_of(client, url)
        assert len(queries) == visitor + 2, queries  # the session, the member
        assert not [sql for sql in queries if "forums_flag" in sql or "auth_group" in sql]
        assert menu[tr("Following")] == "/fr/forums/subscriptions/"
        assert (reverse("forums:flags") in menu.values()) == (who != "member")


def test_the_footer_repeats_the_sections_and_links_the_site_pages(client, site):
    page = footer(client.get("/en/"))
    links = {text(a): a.attrs["href"] for a in find_all(page, "a")}

    for label, address in SECTIONS:
        assert links[label] == f"/en/{address}"
    assert links["Statistics"] == "/en/statistics/"
    assert links["Members"] == "/en/network/members/"
    assert links["Organisations"] == "/en/network/organisations/"
    assert links["About"] == "/en/about/"
    for label, name in [
        ("Privacy notice", "privacy"),
        ("Terms of use", "terms"),
        ("Contact", "contact"),
    ]:
        with translation.override("en"):
            url = navigation.url_or_none(name)
        # Before its page exists, the footer leaves it out.
        assert links.get(label) == url
    # Every link of the footer leads to a page.
    for href in links.values():
        assert client.get(href, follow=True).status_code == 200, href


def test_a_site_page_that_does_not_exist_is_left_out_of_the_footer(client, db, monkeypatch):
    monkeypatch.setattr(
        navigation,
        "SITE_LINKS",
        (navigation.Link("About", "about_index"), navigation.Link("Elsewhere", "no-such-page")),
    )

    links = [text(a) for a in find_all(find(footer(client.get("/en/")), "ul", "site-links"), "a")]

    assert links == ["About"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_search_box_has_a_label_and_a_placeholder(client, db, language):
    form = find(header(client.get(f"/{language}/")), "form", "site-search")
    field = find(form, "input", name="q")

    label = find(form, "label")
    assert label.attrs["for"] == field.attrs["id"]
    assert text(label) == tr("Search the site", language)
    assert field.attrs["placeholder"] == tr("Projects, members, discussions…", language)


def test_the_header_marks_no_section_on_a_page_outside_them(client, db):
    response = client.get("/fr/no-such-page/")

    links = section_links(response, status=404)
    assert len(links) == len(SECTIONS)
    assert not [current for _label, _href, current in links if current]


def test_pages_link_an_icon_and_browsers_find_it_at_favicon_ico(client, db):
    icons = [
        link.attrs["href"]
        for link in find_all(parse(client.get("/fr/")), "link")
        if link.attrs.get("rel") == "icon"
    ]
    assert icons == ["/static/favicon.svg", "/static/favicon.ico"]
    for href in icons:
        assert finders.find(href.removeprefix("/static/")), href

    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]


def test_an_unverified_member_sees_the_menu_too(client, db):
    client.force_login(MemberFactory())

    assert tr("My profile") in member_menu(client.get("/fr/"))
