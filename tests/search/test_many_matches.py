"""The search when a word is everywhere: in each kind of document only the most recent
matches and the most recent title matches are ranked, and a kind with more matches than
that is counted as "more than" (search/query.py, CANDIDATES). The limits are lowered here
so that a few documents go past them; the queries are those of a full index."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from forums.models import Forum
from search import query
from tests.factories import MemberFactory
from tests.html import find, find_all, parse, text, tr
from tests.search import test_search
from tests.search.test_search import (
    SEARCH,
    make_blog_post,
    make_project,
    make_reply,
    make_topic,
    results,
    search,
    section_ids,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker(run_tasks, monkeypatch):
    """The background worker, run by ``search()`` before each search."""
    monkeypatch.setattr(test_search, "_run_worker", run_tasks)
    return run_tasks


@pytest.fixture
def forum(db):
    return Forum.objects.create(name="Débats", slug="debates")


@pytest.fixture
def author(db):
    return MemberFactory()


@pytest.fixture(autouse=True)
def few_candidates(monkeypatch):
    monkeypatch.setattr(query, "CANDIDATES", 3)
    monkeypatch.setattr(query, "TITLE_CANDIDATES", 2)


def ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def more_than(count, language="fr"):
    return tr("more than %(count)s", language) % {"count": count}


def plural(singular, plural_, count, language="fr", **values):
    with translation.override(language):
        return translation.ngettext(singular, plural_, count) % {"counter": count, **values}


def headings(response):
    sections = find_all(parse(response), "section", "search-section")
    return {find(s, "h2").attrs["id"]: text(find(s, "h2")) for s in sections}


@pytest.fixture
def busy_topic(forum, author):
    """A topic and six replies saying "palmeraie", the newest last."""
    topic = make_topic(forum, author, "Oasis", body="Palmeraie.")
    for number in range(6):
        make_reply(topic, author, f"Palmeraie, réponse {number}.")
    return topic


def test_a_kind_with_more_matches_is_counted_as_more_than(client, busy_topic):
    response = search(client, "palmeraie")
    label = tr("Topics and posts")
    # The topic, then three replies counted: "more than 4".
    assert headings(response)["section-topics"] == f"{label} ({more_than(4)})"
    nav = [
        text(a)
        for a in find_all(
            find(parse(response), "nav", **{"aria-label": tr("Results by kind")}), "a"
        )
    ]
    assert nav == [f"{label} ({more_than(4)})"]
    more = [text(a) for a in find_all(parse(response), "a") if "kind=topics" in a.attrs["href"]]
    assert more == [
        plural(
            "More than %(counter)s result in %(label)s →",
            "More than %(counter)s results in %(label)s →",
            4,
            label=label,
        )
    ]
    # The most recent replies come first among equally ranked ones.
    assert len(results(response, "topics")) == query.PREVIEW_SIZE


def test_a_kind_within_the_limit_is_counted_exactly(client, forum, author):
    topic = make_topic(forum, author, "Oasis", body="Palmeraie.")
    make_reply(topic, author, "Palmeraie, une réponse.")
    response = search(client, "palmeraie")
    assert headings(response)["section-topics"] == f"{tr('Topics and posts')} (2)"
    assert not find_all(parse(response), "p", "notice")


def test_the_section_page_says_it_shows_the_best_of_the_most_recent(client, busy_topic):
    response = search(client, "palmeraie", kind="topics")
    assert headings(response)["section-topics"] == f"{tr('Topics and posts')} ({more_than(4)})"
    (notice,) = find_all(parse(response), "p", "notice")
    assert text(notice) == plural(
        "More than %(counter)s result: the best of the most recent are shown. Add words, or "
        "put a phrase in quotes, to narrow the search.",
        "More than %(counter)s results: the best of the most recent are shown. Add words, or "
        "put a phrase in quotes, to narrow the search.",
        4,
    )
    # The topic and the four most recent replies (the fourth tells there are more).
    assert len(results(response)) == 5
    far = search(client, "palmeraie", kind="topics", page=3)
    assert len(results(far)) == 5


def test_an_older_title_match_comes_first_among_many_recent_text_matches(client, forum, author):
    make_topic(forum, author, "Palmeraie de Figuig", body="Des palmiers.", created=ago(900))
    for number in range(6):
        make_topic(forum, author, f"Sujet {number}", body="Retour de Figuig.", created=ago(number))
    response = search(client, "figuig")
    assert results(response, "topics")[0] == "Palmeraie de Figuig"
    assert results(search(client, "figuig", kind="topics"))[0] == "Palmeraie de Figuig"


def test_a_project_named_by_the_words_comes_first(client, forum, author, busy_topic):
    """Projects are the first section; a project's title match ranks first in it."""
    make_project("Palmeraie de Figuig", objective="Des puits.")
    for number in range(5):
        make_project(f"Projet {number}", objective="Une palmeraie, et encore.")
    response = search(client, "palmeraie")
    assert section_ids(response) == ["section-projects", "section-topics"]
    assert results(response, "projects")[0] == "Palmeraie de Figuig"


def test_a_rare_phrase_in_an_old_topic_is_found(client, forum, author, busy_topic):
    make_topic(forum, author, "Atelier", body="Les tisserandes de Kolda.", created=ago(2000))
    response = search(client, '"tisserandes de kolda"')
    assert results(response) == ["Atelier"]
    assert headings(response)["section-topics"] == f"{tr('Topics and posts')} (1)"


def test_a_blog_post_dated_later_is_neither_shown_nor_counted(client, author):
    for number in range(3):
        make_blog_post(author, f"Palmeraie {number}", published_at=ago(number + 1))
    make_blog_post(
        author, "Palmeraie à venir", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    response = search(client, "palmeraie")
    assert "Palmeraie à venir" not in results(response)
    assert headings(response)["section-blog"] == f"{tr('Blog posts and news')} (3)"


def _matches(forum, author, start, count):
    topic = make_topic(forum, author, "Palmeraie", body="Palmeraie.")
    for number in range(start, start + count):
        make_reply(topic, author, f"Palmeraie {number}.")
        make_project(title=f"Palmeraie {number}")
        make_blog_post(author, f"Palmeraie {number}")


@pytest.mark.parametrize(("params", "expected"), [({}, 3), ({"kind": "topics", "page": "2"}, 4)])
def test_query_count_does_not_grow_past_the_limit(client, worker, forum, author, params, expected):
    def queries():
        worker()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SEARCH, {"q": "palmeraie", **params})
        assert results(response)
        return len(captured)

    _matches(forum, author, 0, 5)
    assert queries() == expected
    _matches(forum, author, 5, 40)
    assert queries() == expected
