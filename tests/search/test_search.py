"""The site-wide search: languages and accents, ranking, marking, visibility, the stored
index kept up to date, sections and their pages, bad queries, query counts.

Each search here first lets the background worker run (``run_tasks``), as it does between
someone saving something and someone else searching for it: the index follows changes
after they commit, never inside the transaction that saves them."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from blogs.models import BlogPost, BlogPostKind, BlogPostStatus
from forums import services
from forums.models import Forum, Post, Topic
from projects.models import Partnership
from search.models import SearchDocument
from search.query import (
    PAGE_SIZE,
    PREVIEW_SIZE,
    add_marked_text,
    matching_documents,
    ranked,
    text_query,
)
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    ProjectFactory,
    StaffFactory,
    ThemeFactory,
)
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

SEARCH = "/fr/search/"
_numbers = itertools.count()


@pytest.fixture(autouse=True)
def worker(run_tasks):
    """The background worker, run by ``search()`` before each search."""
    global _run_worker
    _run_worker = run_tasks
    yield run_tasks
    _run_worker = None


_run_worker = None


@pytest.fixture
def forum(db):
    return Forum.objects.create(name="Débats", name_en="Debates", slug="debates")


@pytest.fixture
def author(db):
    return MemberFactory()


def make_topic(forum, author, title, body="Premier message.", **fields):
    topic = Topic.objects.create(
        forum=forum, title=title, slug=f"topic-{next(_numbers)}", author=author, **fields
    )
    Post.objects.create(topic=topic, author=author, body=body)
    return topic


def make_project(title, **fields):
    """A project whose words are only those given (the factory's objective has others)."""
    fields.setdefault("objective", "Rien.")
    return ProjectFactory(title=title, **fields)


def make_reply(topic, author, body, **fields):
    return Post.objects.create(topic=topic, author=author, body=body, **fields)


def make_blog_post(author, title, body="Texte.", **fields):
    fields.setdefault("status", BlogPostStatus.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - datetime.timedelta(hours=1))
    return BlogPost.objects.create(
        author=author, title=title, slug=f"blog-{next(_numbers)}", body=body, **fields
    )


def results(response, section=None):
    """The titles of the results, in order (of one section if named)."""
    root = parse(response)
    if section:
        sections = find_all(root, "section", "search-section")
        root = next(s for s in sections if find(s, "h2").attrs.get("id") == f"section-{section}")
    return [title_link(item)[1] for item in find_all(root, "li", "search-result")]


def title_link(item):
    """A result's link, and its text (without any note after it)."""
    link = find(find(item, "h3"), "a")
    return link, text(link)


def snippet(item):
    return find(item, "p", "snippet")


def notes(item) -> list[str]:
    return [text(note) for note in find_all(item, "small", "untranslated")]


def languages_marked(item) -> list[str]:
    """The lang attributes in a result, in order."""
    return [node.attrs["lang"] for node in find_all(item, "*") if "lang" in node.attrs]


def only_result(response):
    (item,) = find_all(parse(response), "li", "search-result")
    return item


def section_ids(response):
    return [
        find(s, "h2").attrs["id"] for s in find_all(parse(response), "section", "search-section")
    ]


def search(client, words, language="fr", **params):
    """The search page for ``words``, once the worker has indexed what was saved."""
    _run_worker()
    response = client.get(f"/{language}/search/", {"q": words, **params})
    assert response.status_code == 200, response.content.decode()[:500]
    return response


# Languages and accents


@pytest.mark.parametrize(
    "words", ["developpement", "développement", "DÉVELOPPEMENT", "développements"]
)
def test_french_with_or_without_accents(client, words):
    make_project("Le développement local au Sénégal")
    make_project("Une autre chose")
    assert results(search(client, words)) == ["Le développement local au Sénégal"]


@pytest.mark.parametrize("words", ["migracion", "migración", "ninos", "niños", "migrantes"])
def test_spanish_with_or_without_accents_and_stemming(client, forum, author, words):
    make_topic(forum, author, "Foro", body="La migración de los niños y de las migrantes.")
    assert results(search(client, words)) == ["Foro"]


@pytest.mark.parametrize("words", ["developing", "development", "migrants", "migrant"])
def test_english_stemming(client, author, words):
    make_blog_post(author, "Notes from the field", body="The development role of a migrant.")
    assert results(search(client, words)) == ["Notes from the field"]


def test_country_names_in_every_language(client):
    make_project("Palmeraie", country="MA")
    for words in ["Maroc", "Morocco", "Marruecos"]:
        assert results(search(client, words)) == ["Palmeraie"]


def test_project_found_by_locality_objective_partner_and_theme(client):
    partner = OrganisationFactory(name="Coopérative Tamaynut")
    project = make_project(
        title="Palmeraie",
        locality="Canton d'Upala",
        objective="Irriguer les oasis.",
        description="Les puits.",
        partners=[partner],
    )
    for words in ["Upala", "oasis", "puits", "Tamaynut"]:
        assert "Palmeraie" in results(search(client, words)), words
    assert results(search(client, "Tamaynut"), "organisations") == ["Coopérative Tamaynut"]
    assert project.pk


def test_phrase_and_exclusion(client):
    make_project("Eau potable pour les villages")
    make_project("Villages et potable eau")
    assert results(search(client, '"eau potable"')) == ["Eau potable pour les villages"]
    assert results(search(client, "villages -eau")) == []


# The visitor's language


@pytest.fixture
def gender(db):
    return ThemeFactory(name="Genre", name_en="Gender", name_es="Género", slug="gender")


def translated_project(**fields):
    """A project in Morocco written in French, English and Spanish."""
    return make_project(
        "Palmeraie de Figuig",
        title_en="Figuig palm grove",
        title_es="Palmeral de Figuig",
        objective="Préserver les jardins de l'oasis.",
        objective_en="Preserve the gardens of the oasis.",
        objective_es="Preservar los huertos del oasis.",
        country="MA",
        **fields,
    )


FRENCH_AND_SPANISH_WORDS = [
    "Palmeraie",
    "Préserver",
    "jardins",
    "Maroc",
    "Genre",
    "Palmeral",
    "Preservar",
    "huertos",
    "Marruecos",
    "Género",
]


@pytest.mark.parametrize("words", ["figuig", "oasis", "gardens", "Morocco", "gender"])
def test_a_translated_project_is_shown_in_the_language_of_the_page(client, gender, words):
    translated_project(themes=[gender])
    item = only_result(search(client, words, language="en"))
    assert title_link(item)[1] == "Figuig palm grove"
    shown = text(item)
    assert "Preserve the gardens of the oasis." in shown
    for foreign in FRENCH_AND_SPANISH_WORDS:
        assert foreign not in shown, (words, foreign)
    assert languages_marked(item) == [] and notes(item) == []


def test_the_same_project_in_spanish(client, gender):
    translated_project(themes=[gender])
    item = only_result(search(client, "genero", language="es"))
    assert title_link(item)[1] == "Palmeral de Figuig"
    assert "Preservar los huertos del oasis." in text(snippet(item))
    assert [text(mark) for mark in find_all(item, "mark")] == ["Género"]
    assert "Gender" not in text(item) and "Genre" not in text(item)


def test_a_project_without_english_is_shown_in_french_and_says_so(client):
    make_project("Palmeraie de Figuig", objective="Préserver les jardins de l'oasis.")
    item = only_result(search(client, "figuig", language="en"))
    link, title = title_link(item)
    assert (title, link.attrs.get("lang")) == ("Palmeraie de Figuig", "fr")
    (french,) = find_all(snippet(item), "span", lang="fr")
    assert "Préserver les jardins de l'oasis." in text(french)
    # One note for the title and the snippet, both in French.
    assert notes(item) == ["(Only available in French)"]


def test_the_snippet_is_in_the_language_whose_text_holds_the_words(client):
    """An English visitor searching a word found only in the French objective sees the
    French passage, marked as French, with its match; the project has an English text, so
    no note says it is "only available in French"."""
    make_project(
        "Palmeraie de Figuig",
        title_en="Figuig palm grove",
        objective="Replanter les palmiers dattiers.",
        objective_en="Replant the trees.",
    )
    item = only_result(search(client, "dattiers", language="en"))
    link, title = title_link(item)
    assert title == "Figuig palm grove" and "lang" not in link.attrs
    (french,) = find_all(snippet(item), "span", lang="fr")
    assert [text(mark) for mark in find_all(french, "mark")] == ["dattiers"]
    assert notes(item) == []
    assert "the trees" not in text(item)


def test_a_snippet_in_another_language_is_noted_when_the_page_language_has_no_text(client):
    make_project(
        "Palmeraie de Figuig",
        title_en="Figuig palm grove",
        objective="Replanter les palmiers dattiers.",
        objective_en="",
    )
    item = only_result(search(client, "dattiers", language="en"))
    assert find_all(snippet(item), "span", lang="fr")
    assert notes(item) == ["(Only available in French)"]


def test_words_in_spanish_find_projects_from_an_english_page(client, gender):
    make_project("Palmeraie de Figuig", title_en="Figuig palm grove", country="MA")
    make_project("Jardins de Podor", title_en="Podor gardens", country="SN", themes=[gender])
    make_project("Coopérative de Dakar", title_en="Dakar cooperative", country="SN")
    for words in ["Marruecos", "Morocco", "Maroc"]:
        assert results(search(client, words, language="en")) == ["Figuig palm grove"], words
    for words in ["género", "genero", "gender", "genre"]:
        assert results(search(client, words, language="en")) == ["Podor gardens"], words


@pytest.mark.parametrize("words", ["gender", "género", "genre", "Morocco", "Marruecos", "Maroc"])
def test_a_theme_or_country_match_shows_them_in_one_language(client, gender, words):
    """The snippet names the country and the themes in the page's language only, not as
    lists mixing every language, whatever language they were found in."""
    make_project(
        "Palmeraie de Figuig",
        title_en="Figuig palm grove",
        objective="Des palmiers.",
        objective_en="Palm trees.",
        country="MA",
        themes=[gender],
    )
    item = only_result(search(client, words, language="en"))
    assert text(snippet(item)) in ["Palm trees. Morocco · Gender", "Morocco · Gender"]
    assert languages_marked(item) == [] and notes(item) == []


def test_a_french_project_found_by_an_english_theme_name(client, gender):
    """Written only in French, it is found by the English name of its theme: the title is
    the French one, marked, and the snippet shows the English name found."""
    make_project("Jardins de Podor", objective="Des jardins.", themes=[gender])
    item = only_result(search(client, "gender", language="en"))
    link, title = title_link(item)
    assert (title, link.attrs.get("lang")) == ("Jardins de Podor", "fr")
    assert [text(mark) for mark in find_all(snippet(item), "mark")] == ["Gender"]
    assert "lang" not in snippet(item).attrs and not find_all(snippet(item), "span")
    assert notes(item) == ["(Only available in French)"]


def test_an_organisation_name_is_not_said_to_be_untranslated(client):
    OrganisationFactory(
        name="Coopérative Tamaynut",
        description="Une coopérative agricole.",
        description_en="A farming cooperative.",
        verified=True,
    )
    item = only_result(search(client, "tamaynut", language="en"))
    link, title = title_link(item)
    assert (title, link.attrs.get("lang")) == ("Coopérative Tamaynut", "fr")
    assert "A farming cooperative." in text(snippet(item))
    assert "Une coopérative" not in text(item)
    assert notes(item) == []


def test_what_members_wrote_is_shown_in_their_language(client, forum, author):
    """A topic, a reply and a blog post carry the language their authors wrote them in,
    on every page, with no note: a reply is listed under its topic's title."""
    topic = make_topic(
        forum, author, "Remesas y desarrollo", body="Las remesas financian escuelas.", language="es"
    )
    make_reply(topic, author, "Remittances also pay for clinics.", language="en")
    make_blog_post(author, "Envois de fonds", body="Les envois de fonds aux familles.")
    for page_language in ["fr", "en", "es"]:
        response = search(client, "remesas or remittances or envois", language=page_language)
        found = sorted(
            (title_link(item)[1], languages_marked(item), text(snippet(item)))
            for item in find_all(parse(response), "li", "search-result")
        )
        assert found == [
            ("Envois de fonds", ["fr", "fr"], "envois de fonds aux familles"),
            ("Remesas y desarrollo", ["es", "en"], "Remittances also pay for clinics"),
            ("Remesas y desarrollo", ["es", "es"], "remesas financian escuelas"),
        ], page_language
        assert notes(parse(response)) == []


def test_a_result_removed_between_finding_and_marking_keeps_its_title(worker):
    make_project("Palmeraie de Figuig", title_en="Figuig palm grove")
    worker()
    query = text_query("palmeraie")
    (found,) = ranked(matching_documents(query), query)
    SearchDocument.objects.all().delete()
    with translation.override("en"):
        add_marked_text([found], "palmeraie")
    assert (found.shown_title.html, found.shown_title.language) == ("Figuig palm grove", "")
    assert found.snippet.html == ""


# Ranking and marking


def test_a_match_in_the_title_ranks_before_one_in_the_text(client):
    make_project("Projet A", objective="Un puits pour la coopérative agricole.")
    make_project("Coopérative agricole de Figuig", objective="Des palmiers.")
    assert results(search(client, "coopérative")) == ["Coopérative agricole de Figuig", "Projet A"]


def test_matching_words_are_marked(client, author):
    make_blog_post(author, "Diaspora et développement", body="Le rôle de la diaspora marocaine.")
    root = parse(search(client, "diasporas"))
    item = find(root, "li", "search-result")
    marks = [text(mark) for mark in find_all(item, "mark")]
    assert marks.count("Diaspora") == 1  # in the title
    assert "diaspora" in marks  # in the snippet
    assert "marocaine" not in marks


def test_words_matched_in_another_language_are_marked(client, author):
    make_blog_post(author, "Notes", body="Beaucoup de mots en français. The development of towns.")
    item = find(parse(search(client, "developing")), "li", "search-result")
    assert [text(mark) for mark in find_all(item, "mark")] == ["development"]


def test_a_match_in_the_title_shows_the_opening_of_the_text(client):
    words = [f"mot{number}" for number in range(40)]
    make_project("Palmeraie de Figuig", objective=" ".join(words))
    shown = text(snippet(only_result(search(client, "palmeraie"))))
    assert shown == " ".join(words[:30])


XSS_PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">clic</a>',
    "<iframe src='https://evil.example'></iframe>",
    "<svg onload=alert(1)>",
    '"><b style="color:red">gras</b>',
    "<mark>faux</mark>",
    "&lt;script&gt;alert(2)&lt;/script&gt;",
    "\x02<script>alert(3)</script>\x03",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_nothing_anyone_wrote_becomes_markup(client, forum, author, payload):
    topic = make_topic(forum, author, f"Palmeraie {payload}", body=f"Palmeraie {payload} fin")
    make_reply(topic, author, f"```\n{payload}\n```\nPalmeraie {payload}")
    make_blog_post(author, f"Palmeraie {payload}", body=f"`{payload}` Palmeraie", summary=payload)
    response = search(client, "palmeraie")
    root = parse(response)
    found = find_all(root, "li", "search-result")
    assert len(found) == 3
    for item in found:
        tags = {node.tag for node in find_all(item, "*")}
        assert tags <= {"h3", "a", "p", "span", "mark", "time"}, tags
        for node in find_all(item, "*"):
            assert set(node.attrs) <= {"href", "class", "datetime", "lang"}, node.attrs
            assert not node.attrs.get("href", "").startswith("javascript")
        assert all(text(mark).lower() == "palmeraie" for mark in find_all(item, "mark"))
    body = response.content.decode()
    for forbidden in ["<script", "<img", "<iframe", "<svg", "<b ", "\x02", "\x03"]:
        assert forbidden not in body


def test_the_query_itself_is_escaped(client):
    response = search(client, "<script>alert(1)</script>")
    assert "<script>alert" not in response.content.decode()


# Who sees what


def test_unpublished_projects_and_unlisted_organisations_are_not_found(client):
    make_project("Palmeraie publiée")
    make_project("Palmeraie cachée", published=False)
    OrganisationFactory(name="Palmeraie vérifiée", verified=True)
    OrganisationFactory(name="Palmeraie proposée", verified=False)
    assert results(search(client, "palmeraie")) == ["Palmeraie publiée", "Palmeraie vérifiée"]


def test_hidden_posts_and_topics_are_found_by_nobody(client, forum, author):
    """Choice: the index holds only public content, for everyone, moderators included;
    moderators reach hidden posts through the topic pages and the flag queue."""
    moderator = StaffFactory()
    visible = make_topic(forum, author, "Sujet visible", body="Palmeraie du premier message.")
    make_reply(visible, author, "Palmeraie dans une réponse visible.")
    hidden_reply = make_reply(visible, author, "Palmeraie dans une réponse cachée.")
    services.hide_post(moderator=moderator, post=hidden_reply, reason="Hors sujet")
    hidden = make_topic(forum, author, "Sujet caché palmeraie", body="Palmeraie cachée.")
    make_reply(hidden, author, "Palmeraie dans un sujet caché.")
    services.set_topic_state(moderator=moderator, topic=hidden, hidden=True)

    for viewer in [None, author, moderator]:
        if viewer:
            client.force_login(viewer)
        response = search(client, "palmeraie")
        snippets = [text(p) for p in find_all(parse(response), "p", "snippet")]
        assert results(response) == ["Sujet visible", "Sujet visible"]
        assert not any("cach" in snippet for snippet in snippets)

    services.set_topic_state(moderator=moderator, topic=hidden, hidden=False)
    services.unhide_post(moderator=moderator, post=hidden_reply)
    assert len(results(search(client, "palmeraie"))) == 5


def test_a_topic_whose_first_post_is_hidden_is_found_by_its_title_only(client, forum, author):
    topic = make_topic(forum, author, "Sujet", body="Palmeraie du premier message.")
    services.hide_post(moderator=StaffFactory(), post=topic.posts.get(), reason="Hors sujet")
    assert results(search(client, "palmeraie")) == []
    assert results(search(client, "sujet")) == ["Sujet"]


def test_drafts_hidden_and_future_blog_posts_are_not_found(client, author):
    make_blog_post(author, "Palmeraie publiée")
    make_blog_post(author, "Palmeraie brouillon", status=BlogPostStatus.DRAFT, published_at=None)
    make_blog_post(author, "Palmeraie masquée", is_hidden=True)
    later = make_blog_post(
        author, "Palmeraie à venir", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert results(search(client, "palmeraie")) == ["Palmeraie publiée"]
    BlogPost.objects.filter(pk=later.pk).update(published_at=timezone.now())
    SearchDocument.objects.filter(object_id=later.pk, kind="blog").update(date=timezone.now())
    assert len(results(search(client, "palmeraie"))) == 2


# The index follows changes


def test_the_index_follows_edits_and_deletions(client, author):
    project = make_project("Palmeraie de Figuig")
    project.title = "Oasis de Tata"
    project.save()
    assert results(search(client, "palmeraie")) == []
    assert results(search(client, "oasis")) == ["Oasis de Tata"]

    project.published = False
    project.save()
    assert results(search(client, "oasis")) == []

    post = make_blog_post(author, "Nouvelles de l'oasis")
    assert results(search(client, "oasis")) == ["Nouvelles de l'oasis"]
    post.delete()
    assert results(search(client, "oasis")) == []
    assert not SearchDocument.objects.filter(kind="blog").exists()


def test_a_partner_renamed_or_added_changes_its_projects(client):
    organisation = OrganisationFactory(name="Coopérative Tamaynut")
    project = make_project("Palmeraie")
    assert results(search(client, "tamaynut")) == []  # not yet anyone's partner: not listed
    Partnership.objects.create(project=project, organisation=organisation)
    assert results(search(client, "tamaynut")) == ["Palmeraie", "Coopérative Tamaynut"]
    organisation.name = "Coopérative Tiznit"
    organisation.save()
    assert results(search(client, "tiznit")) == ["Palmeraie", "Coopérative Tiznit"]
    project.organisations.clear()
    assert results(search(client, "tiznit")) == []


def test_a_topic_renamed_renames_its_replies(client, forum, author):
    topic = make_topic(forum, author, "Palmeraie", body="Début.")
    make_reply(topic, author, "Une réponse.")
    topic.title = "Oasis"
    topic.save()
    assert results(search(client, "oasis")) == ["Oasis", "Oasis"]
    topic.delete()
    assert results(search(client, "oasis")) == []
    assert not SearchDocument.objects.exists()


def test_rebuild_command_and_seed(client, seed):
    SearchDocument.objects.all().delete()
    call_command("rebuild_search_index", verbosity=0)
    for language, title in [
        ("fr", "Préserver la palmeraie de Figuig"),
        ("en", "Preserving the Figuig palm grove"),
        ("es", "Preservar el palmeral de Figuig"),
    ]:
        titles = results(search(client, "Figuig", language=language))
        assert any(found.startswith(title) for found in titles), (language, titles)


def test_a_translation_added_or_a_theme_renamed_is_found(client, gender):
    project = make_project("Jardins de Podor", objective="Des jardins.", themes=[gender])
    item = only_result(search(client, "podor", language="en"))
    assert title_link(item)[0].attrs.get("lang") == "fr"
    project.title_en = "Podor gardens"
    project.objective_en = "Gardens."
    project.save()
    item = only_result(search(client, "podor", language="en"))
    assert title_link(item)[1] == "Podor gardens"
    assert text(snippet(item)).startswith("Gardens.") and notes(item) == []
    gender.name_en = "Gender equality"
    gender.save()
    assert results(search(client, "equality", language="en")) == ["Podor gardens"]


# Sections and pages


@pytest.fixture
def many_results(forum, author):
    topic = make_topic(forum, author, "Palmeraie", body="Palmeraie.")
    for number in range(PAGE_SIZE + 4):
        make_reply(topic, author, f"Palmeraie, réponse {number}.")
    make_project("Palmeraie de Figuig")
    make_blog_post(author, "Palmeraie", kind=BlogPostKind.NEWS)
    return topic


def test_results_are_grouped_by_kind_with_counts(client, many_results):
    response = search(client, "palmeraie")
    assert section_ids(response) == ["section-projects", "section-topics", "section-blog"]
    assert len(results(response, "topics")) == PREVIEW_SIZE
    headings = [text(find(s, "h2")) for s in find_all(parse(response), "section", "search-section")]
    assert headings[1].endswith(f"({PAGE_SIZE + 5})")
    more = [
        a.attrs["href"] for a in find_all(parse(response), "a") if "kind=topics" in a.attrs["href"]
    ]
    assert more == ["/fr/search/?q=palmeraie&kind=topics"]


def test_each_kind_is_paginated_on_its_own(client, many_results):
    first = search(client, "palmeraie", kind="topics")
    assert section_ids(first) == ["section-topics"]
    assert len(results(first)) == PAGE_SIZE
    second = search(client, "palmeraie", kind="topics", page=2)
    assert len(results(second)) == 5
    assert not set(results(second)) - {"Palmeraie"}
    links = [text(a) for a in find_all(parse(second), "a")]
    assert "← Précédent" in links
    far = search(client, "palmeraie", kind="topics", page=99)
    assert "Il n’y a que 2 pages" in far.content.decode() or len(results(far)) == 5


def test_links_follow_the_language_of_the_page(client):
    make_project("Palmeraie", slug="palmeraie")
    response = search(client, "palmeraie", language="en")
    links = [a.attrs["href"] for a in find_all(find(parse(response), "li", "search-result"), "a")]
    assert links == ["/en/projects/palmeraie/"]


# Bad queries


def test_the_empty_query_shows_the_form(client):
    response = client.get(SEARCH)
    assert response.status_code == 200
    root = parse(response)
    assert find(root, "input", id="search-page-q")
    assert not find_all(root, "li", "search-result")
    assert not find_all(root, "p", "empty")


@pytest.mark.parametrize("words", ["!!! ???", "de la", "the of and", "-", '""', "  &  |  "])
def test_stop_words_and_punctuation_get_a_message(client, words):
    make_project("De la palmeraie to the oasis")
    response = search(client, words)
    message = tr(
        "“%(words)s” holds no word to search for: only very common words or punctuation. "
        "Try more specific words."
    ) % {"words": " ".join(words.split())}
    assert text(find(parse(response), "p", "empty")) == message


def test_nothing_found_gets_a_message(client):
    response = search(client, "xylophone")
    assert find(parse(response), "p", "empty")
    assert not find_all(parse(response), "li", "search-result")


@pytest.mark.parametrize(
    "params",
    [{"q": "palmeraie " * 100}, {"q": "palmeraie", "kind": "nothing"}],
)
def test_bad_queries_get_a_clear_400(client, params):
    response = client.get(SEARCH, params)
    assert response.status_code == 400
    assert find(parse(response), "div", "form-errors")


def test_odd_characters_are_not_an_error(client):
    for words in [
        "palmeraie:*",
        "a & b | !c",
        "'; drop table x; --",
        "((()))",
        "\\",
        "日本語",
        "🙂",
    ]:
        assert client.get(SEARCH, {"q": words}).status_code == 200, words
    assert client.get(SEARCH, {"q": "palme\x00raie"}).status_code == 400


def test_the_header_has_a_labelled_search_form(client):
    root = parse(client.get("/fr/"))
    form = find(root, "form", "site-search")
    assert form.attrs["action"] == "/fr/search/" and form.attrs["method"] == "get"
    field = find(form, "input", name="q")
    assert find(form, "label").attrs["for"] == field.attrs["id"]


# Query counts


def _matching_documents(forum, author, start, count):
    topic = make_topic(forum, author, "Palmeraie", body="Palmeraie.")
    for number in range(start, start + count):
        make_reply(topic, author, f"Palmeraie {number}.")
        make_project(title=f"Palmeraie {number}")
        make_blog_post(author, f"Palmeraie {number}")
        OrganisationFactory(name=f"Palmeraie {number}", verified=True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # stop-word check, results with their sections' counts, marked text of those shown
        ({}, 3),
        # stop-word check, count, the page, marked text of those shown
        ({"kind": "topics", "page": "2"}, 4),
    ],
)
def test_query_count_does_not_grow_with_matches(client, worker, forum, author, params, expected):
    def queries():
        worker()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SEARCH, {"q": "palmeraie", **params})
        assert results(response)
        return len(captured)

    _matching_documents(forum, author, 0, 5)
    assert queries() == expected
    _matching_documents(forum, author, 5, 45)
    assert queries() == expected
    assert SearchDocument.objects.count() > 200


def test_nothing_found_costs_two_queries(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(SEARCH, {"q": "xylophone"})
    assert response.status_code == 200


def test_news_is_found_and_shown_in_each_language_staff_wrote_it_in(client, author):
    news = make_blog_post(author, "Lancement du portail", kind=BlogPostKind.NEWS)
    news.title_en = "Portal launch"
    news.body_en = "The portal opens."
    news.save()

    for words in ["lancement", "launch"]:
        english = only_result(search(client, words, language="en"))
        assert title_link(english)[1] == "Portal launch", words
        assert notes(english) == []
    spanish = only_result(search(client, "launch", language="es"))
    assert title_link(spanish)[1] == "Lancement du portail"
    assert "fr" in languages_marked(spanish)
    assert notes(spanish)  # no Spanish version: said so
