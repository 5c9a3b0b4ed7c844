"""The home page tells what is happening: open e-discussions, the latest topics, news and
blog posts, the newest verified organisations, and for a member the topics they follow that
have new posts; it stays within its query budget whatever the number of rows (cached, and
forgotten when what it shows changes)."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from blogs.models import BlogPost, BlogPostKind, BlogPostStatus, Subscription
from common.signals import rows_changed
from forums import services
from forums.models import Forum, ReadMark, Topic, TopicKind
from icmd import home
from library.models import ReviewStatus
from tests.factories import (
    EventFactory,
    OrganisationFactory,
    ProjectFactory,
    StaffFactory,
    verified_member,
)
from tests.html import find, find_all, parse, text, tr, tr_count

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def forum(db):
    return Forum.objects.create(name="Diaspora et investissement", slug="diaspora")


@pytest.fixture
def author(db):
    return verified_member(name="Awa Autrice")


def topic(author, forum, title, replies=0, **fields):
    made = services.start_topic(author=author, forum=forum, title=title, body="Premier message.")
    for _n in range(replies):
        services.reply(author=author, topic=made, body="Une réponse.")
    if fields:
        Topic.objects.filter(pk=made.pk).update(**fields)
    return made


def ediscussion(author, forum, title, starts_at, ends_at, **fields):
    return topic(
        author,
        forum,
        title,
        kind=TopicKind.EDISCUSSION,
        starts_at=starts_at,
        ends_at=ends_at,
        **fields,
    )


def blog_post(author, title, *, kind=BlogPostKind.BLOG, published=True, **fields):
    fields.setdefault("published_at", NOW - DAY if published else None)
    return BlogPost.objects.create(
        author=author,
        title=title,
        title_en=title if kind == BlogPostKind.NEWS else "",
        slug=services.unique_slug(BlogPost, title),
        kind=kind,
        body="Un texte.",
        status=BlogPostStatus.PUBLISHED if published else BlogPostStatus.DRAFT,
        **fields,
    )


def block(page, heading_id: str):
    """The home page's block whose heading has this id."""
    (section,) = [
        node
        for node in find_all(page, "section")
        if node.attrs.get("aria-labelledby") == heading_id
    ]
    return section


def items(section) -> list[str]:
    """The linked titles of a block's list."""
    return [text(find(li, "a")) for li in find_all(find(section, "ul", "home-list"), "li")]


def more_link(section) -> str:
    return find(find(section, "p", "more"), "a").attrs["href"]


def test_the_blocks_show_what_is_happening(client, author, forum):
    opened = ediscussion(author, forum, "Open debate", NOW - DAY, NOW + 3 * DAY)
    ediscussion(author, forum, "Closed debate", NOW - 3 * DAY, NOW - DAY)
    ediscussion(author, forum, "Coming debate", NOW + DAY, NOW + 3 * DAY)
    ediscussion(author, forum, "Hidden debate", NOW - DAY, NOW + DAY, is_hidden=True)
    ediscussion(author, forum, "Locked debate", NOW - DAY, NOW + DAY, is_locked=True)
    topic(author, forum, "Remittances in Kolda", replies=2)
    topic(author, forum, "Hidden topic", is_hidden=True)
    staff = StaffFactory()
    blog_post(staff, "New phase announced", kind=BlogPostKind.NEWS)
    blog_post(staff, "News for tomorrow", kind=BlogPostKind.NEWS, published_at=NOW + DAY)
    blog_post(author, "Diaspora savings")
    blog_post(author, "A draft", published=False)
    blog_post(author, "Hidden post", is_hidden=True)
    OrganisationFactory(name="Verified Hub", verified=True)
    OrganisationFactory(name="Pending proposal", verified=False)

    page = parse(client.get("/en/"))

    ediscussions = block(page, "home-ediscussions")
    assert items(ediscussions) == ["Open debate"]
    assert find(ediscussions, "a").attrs["href"] == opened.get_absolute_url().replace(
        "/fr/", "/en/"
    )
    assert "Open until" in text(ediscussions) and "UTC" in text(ediscussions)
    assert more_link(ediscussions) == "/en/forums/"

    topics = block(page, "home-topics")
    assert items(topics)[0] == "Remittances in Kolda"
    assert "Hidden topic" not in items(topics)
    assert "Open debate" not in items(topics)  # shown above already
    assert tr_count("%(counter)s reply", "%(counter)s replies", 2, "en") in text(topics)
    assert more_link(topics) == "/en/forums/"

    news = block(page, "home-news")
    assert items(news) == ["New phase announced"]
    assert more_link(news) == "/en/news/"

    blogs = block(page, "home-blogs")
    assert items(blogs) == ["Diaspora savings"]
    assert "Awa Autrice" in text(blogs)
    assert more_link(blogs) == "/en/blog/"

    organisations = block(page, "home-organisations")
    assert items(organisations) == ["Verified Hub"]
    assert more_link(organisations) == "/en/network/organisations/"


def test_each_block_shows_the_newest_five(client, author, forum):
    for number in range(7):
        ediscussion(author, forum, f"Debate {number}", NOW - DAY, NOW + (number + 1) * DAY)
        topic(author, forum, f"Topic {number}", last_activity=NOW - (10 - number) * DAY)
        blog_post(
            StaffFactory(),
            f"News {number}",
            kind=BlogPostKind.NEWS,
            published_at=NOW - (10 - number) * DAY,
        )
        blog_post(author, f"Post {number}", published_at=NOW - (10 - number) * DAY)
        OrganisationFactory(name=f"Hub {number}", verified=True)

    page = parse(client.get("/en/"))

    # E-discussions closing first, the rest newest first.
    assert items(block(page, "home-ediscussions")) == [f"Debate {n}" for n in range(5)]
    assert items(block(page, "home-topics")) == [f"Topic {n}" for n in (6, 5, 4, 3, 2)]
    assert items(block(page, "home-news")) == [f"News {n}" for n in (6, 5, 4, 3, 2)]
    assert items(block(page, "home-blogs")) == [f"Post {n}" for n in (6, 5, 4, 3, 2)]
    assert items(block(page, "home-organisations")) == [f"Hub {n}" for n in (6, 5, 4, 3, 2)]


def test_empty_blocks_say_so(client, db):
    page = parse(client.get("/en/"))

    assert "No e-discussion is open at the moment." in text(block(page, "home-ediscussions"))
    assert "No topic yet." in text(block(page, "home-topics"))
    assert tr("No event is announced yet.", "en") in text(block(page, "home-events"))


def test_the_next_three_events_are_shown_soonest_first(client, db):
    for days in (9, 3, 20, 6):
        EventFactory(
            title=f"Atelier dans {days} jours",
            title_en=f"Workshop in {days} days",
            starts_at=NOW + days * DAY,
            ends_at=NOW + days * DAY + datetime.timedelta(hours=2),
        )
    EventFactory(title_en="Yesterday's webinar", starts_at=NOW - DAY, ends_at=NOW - DAY / 2)
    EventFactory(title_en="Proposed workshop", status=ReviewStatus.PENDING, published_at=None)

    events = block(parse(client.get("/en/")), "home-events")

    assert items(events) == ["Workshop in 3 days", "Workshop in 6 days", "Workshop in 9 days"]
    assert more_link(events) == "/en/events/"
    # Their times in their own zone (Africa/Dakar), whoever looks.
    assert "UTC" in text(events)


def test_a_new_event_shows_once_its_publication_commits(client, db, run_tasks):
    assert items_or_none(client) == []
    event = EventFactory(title_en="Launch of the e-discussion")
    assert items_or_none(client) == ["Launch of the e-discussion"]  # its transaction reads it
    run_tasks.commit()
    assert items_or_none(client) == ["Launch of the e-discussion"]

    event.status = ReviewStatus.REFUSED
    event.save()
    run_tasks.commit()
    assert items_or_none(client) == []


def items_or_none(client) -> list[str]:
    events = block(parse(client.get("/en/")), "home-events")
    found = find_all(events, "ul", "home-list")
    return [text(find(li, "a")) for li in find_all(found[0], "li")] if found else []


# --- A member: the topics they follow instead of the call to join ---------------------------


def join_calls(page) -> list[str]:
    return [
        text(a) for a in find_all(find(page, "main"), "a") if a.attrs["href"].endswith("/signup/")
    ]


def test_visitors_are_asked_to_join(client, db):
    page = parse(client.get("/en/"))

    assert join_calls(page) == ["Join M4D Net"]
    assert not [s for s in find_all(page, "section") if "followed" in s.attrs.get("class", "")]


def test_a_member_sees_the_followed_topics_with_new_posts_instead_of_the_call_to_join(
    client, author, forum
):
    member = verified_member(name="Binta Lectrice")
    unread = topic(author, forum, "New replies here", replies=1)
    read = topic(author, forum, "Read to the end", replies=1)
    never_opened = topic(author, forum, "Never opened")
    hidden = topic(author, forum, "Hidden since", replies=1)
    topic(author, forum, "Not followed", replies=1)
    for followed in (unread, read, never_opened, hidden):
        Subscription.objects.create(member=member, topic=followed)
    ReadMark.objects.create(member=member, topic=unread, last_read_post=unread.posts.first())
    read.refresh_from_db()
    ReadMark.objects.create(member=member, topic=read, last_read_post=read.last_post)
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)
    client.force_login(member)

    page = parse(client.get("/en/"))

    assert join_calls(page) == []
    followed = block(page, "followed")
    assert items(followed) == ["Never opened", "New replies here"]  # newest activity first
    link = find(followed, "a")
    assert link.attrs["href"].endswith("/unread/")  # straight to the first unread post
    assert more_link(followed) == "/en/forums/subscriptions/"


def test_a_member_who_read_everything_is_told_so(client, author, forum):
    member = verified_member()
    followed = topic(author, forum, "All read", replies=1)
    followed.refresh_from_db()
    Subscription.objects.create(member=member, topic=followed)
    ReadMark.objects.create(member=member, topic=followed, last_read_post=followed.last_post)
    client.force_login(member)

    section = block(parse(client.get("/fr/")), "followed")

    assert tr("Nothing new in the topics you follow.") in text(section)


# --- Query budget and cache ------------------------------------------------------------------


def add_rows(author, forum, count: int, start: int) -> None:
    for number in range(start, start + count):
        ediscussion(author, forum, f"Debate {number}", NOW - DAY, NOW + DAY)
        topic(author, forum, f"Topic {number}", replies=1)
        blog_post(StaffFactory(), f"News {number}", kind=BlogPostKind.NEWS)
        blog_post(author, f"Post {number}")
        OrganisationFactory(name=f"Hub {number}", verified=True)
        ProjectFactory()
        EventFactory(starts_at=NOW + (number + 1) * DAY, ends_at=NOW + (number + 2) * DAY)


# A visitor's home page: from the cache, one read. When the cache has forgotten it: that
# read, then the figures (2 queries), the next events with their themes (2), phases, open
# e-discussions, topics, news, blog posts, organisations, about pages, and the cache's write
# (5 queries with the cache in a table of the database; one command with Redis).
FROM_THE_CACHE = 1
RENDERED = 1 + 11 + 5


@pytest.mark.parametrize("size", [1, 12])
def test_a_visitors_home_page_costs_the_same_queries_whatever_the_rows(
    client, author, forum, run_tasks, django_assert_num_queries, size
):
    add_rows(author, forum, size, 0)
    run_tasks.commit()  # the rows are committed: the page is read from the cache again
    home.forget()

    with django_assert_num_queries(RENDERED):
        response = client.get("/fr/")
    assert len(items(block(parse(response), "home-topics"))) == min(size, 5)
    with django_assert_num_queries(FROM_THE_CACHE):
        response = client.get("/fr/")
    assert len(items(block(parse(response), "home-topics"))) == min(size, 5)


@pytest.mark.parametrize("size", [1, 12])
def test_a_members_home_page_costs_the_same_queries_whatever_the_rows(
    client, author, forum, run_tasks, django_assert_num_queries, size
):
    member = verified_member()
    add_rows(author, forum, size, 0)
    for followed in Topic.objects.all():
        Subscription.objects.create(member=member, topic=followed)
    run_tasks.commit()
    client.force_login(member)
    client.get("/fr/")

    # The session, the member, the topics they follow, where they left off in their
    # learning ("Continue where I left off"), the blocks from the cache.
    with django_assert_num_queries(5):
        response = client.get("/fr/")
    assert len(items(block(parse(response), "followed"))) == min(2 * size, 5)


def titles_of_latest_topics(client) -> list[str]:
    return items(block(parse(client.get("/en/")), "home-topics"))


def test_the_cached_blocks_are_forgotten_when_a_change_commits(client, author, forum, run_tasks):
    topic(author, forum, "First topic")
    run_tasks.commit()  # what the test's transaction would do if it committed
    assert titles_of_latest_topics(client) == ["First topic"]

    # A write that sends no model signal is not seen: the page comes from the cache…
    Topic.objects.filter(title="First topic").update(title="Renamed quietly")
    assert titles_of_latest_topics(client) == ["First topic"]

    # …until its writer says which rows it wrote, and its transaction commits.
    rows_changed.send(sender=Topic, ids=list(Topic.objects.values_list("pk", flat=True)))
    run_tasks.commit()
    assert titles_of_latest_topics(client) == ["Renamed quietly"]

    topic(author, forum, "Second topic")
    run_tasks.commit()
    assert titles_of_latest_topics(client) == ["Second topic", "Renamed quietly"]


def test_a_transaction_reads_its_own_changes_before_it_commits(client, author, forum, run_tasks):
    topic(author, forum, "First topic")
    run_tasks.commit()
    assert titles_of_latest_topics(client) == ["First topic"]

    topic(author, forum, "Not committed yet")  # the test's transaction never commits

    assert titles_of_latest_topics(client) == ["Not committed yet", "First topic"]


def test_the_figures_follow_the_catalogue_once_a_change_commits(client, db, run_tasks):
    def figures():
        strong = find_all(find(parse(client.get("/fr/")), "ul", "figures"), "strong")
        return [text(node) for node in strong][:2]

    ProjectFactory(country="SN")
    run_tasks.commit()
    assert figures() == ["1", "1"]
    ProjectFactory(country="MA")
    run_tasks.commit()
    assert figures() == ["2", "2"]


# --- The initiative's name in each language --------------------------------------------------


def initiative_texts(response) -> str:
    page = parse(response)
    return " ".join(
        [
            text(find(page, "title")),
            text(find(page, "header", "site-header")),
            text(find(page, "main")),
        ]
    )


def test_english_pages_name_the_initiative_jmdi(client, seed_copy):
    words = initiative_texts(client.get("/en/"))

    assert "JMDI" in words
    assert "ICMD" not in words


def test_french_pages_name_it_icmd(client, seed_copy):
    words = initiative_texts(client.get("/fr/"))

    assert "ICMD" in words
    assert "JMDI" not in words


def test_spanish_pages_name_it_icmd_with_its_spanish_name(client, seed_copy):
    words = initiative_texts(client.get("/es/"))

    assert "Iniciativa Conjunta de Migración y Desarrollo" in words
    assert "ICMD" in words
    assert "JMDI" not in words
