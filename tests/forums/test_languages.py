"""Forums in three languages: forum names and descriptions translated with a marked
fallback; what members write carries the language they wrote it in."""

import pytest

from forums import services
from forums.models import Forum, Post
from network.models import Visibility
from tests.forums.test_topics import make_member, new_topic_url, reply_url, topic_url
from tests.html import find, find_all, parse, text
from tests.network.test_languages import assert_in_language, country_options
from tests.projects.test_translations import FALLBACK_CASES, in_language, note, notes, only_in


@pytest.fixture
def author(db):
    return make_member(name="Awa Diop", visibility=Visibility.EVERYONE)


@pytest.mark.parametrize(("page", "written"), FALLBACK_CASES)
def test_forum_name_and_description_fall_back_marked(client, db, page, written):
    Forum.objects.create(
        slug="diaspora", **only_in(written, name="Diaspora", description="Remittances.")
    )

    response = client.get(f"/{page}/forums/")

    marked = in_language(response, written)
    assert "Diaspora" in marked
    assert "Remittances." in marked
    assert notes(response) == [note(page, written)] * 2


def test_forum_in_the_page_language_has_no_note(client, db):
    Forum.objects.create(
        slug="diaspora",
        name_fr="Diaspora et investissement",
        name_en="Diaspora and investment",
        name_es="Diáspora e inversión",
    )

    response = client.get("/es/forums/")

    assert "Diáspora e inversión" in text(find(parse(response), "main"))
    assert notes(response) == []


@pytest.fixture
def forum(db):
    return Forum.objects.create(slug="diaspora", name_fr="Diaspora", name_en="Diaspora")


def test_a_topic_is_written_in_the_page_language_by_default(client, forum, author):
    client.force_login(author)

    form = client.get(f"/es{new_topic_url(forum)[3:]}")
    selected = find(find(parse(form), "select", name="language"), "option", selected="")
    assert selected.attrs["value"] == "es"

    client.post(
        f"/es{new_topic_url(forum)[3:]}",
        {"title": "Remesas", "body": "Primer mensaje.", "language": "es", "publish": "1"},
    )
    post = Post.objects.get()
    assert (post.topic.language, post.language) == ("es", "es")


def test_the_author_chooses_the_language_and_the_page_marks_it(client, forum, author):
    client.force_login(author)
    topic = services.start_topic(
        author=author, forum=forum, title="Transferts", body="Premier message.", language="fr"
    )

    client.post(
        f"/en{reply_url(topic)[3:]}", {"body": "A reply written in English.", "language": "en"}
    )

    response = client.get(f"/fr{topic_url(topic)[3:]}")
    assert find(parse(response), "h1", lang="fr")
    bodies = {
        node.attrs["lang"]: text(node) for node in find_all(parse(response), "div", "post-body")
    }
    assert bodies == {"fr": "Premier message.", "en": "A reply written in English."}


def test_the_author_corrects_the_language_of_a_post(client, forum, author):
    client.force_login(author)
    topic = services.start_topic(
        author=author, forum=forum, title="Remesas", body="Mensaje en español.", language="fr"
    )
    post = topic.posts.get()

    client.post(
        f"/fr/forums/posts/{post.pk}/edit/",
        {"body": "Mensaje en español.", "language": "es", "version": post.version},
    )

    post.refresh_from_db()
    assert post.language == "es"
    assert post.revisions.count() == 0  # the text did not change


def test_an_unknown_language_is_refused(client, forum, author):
    client.force_login(author)

    response = client.post(
        f"/fr{new_topic_url(forum)[3:]}",
        {"title": "Titre", "body": "Message.", "language": "xx", "publish": "1"},
    )

    assert response.status_code == 400
    assert not Post.objects.exists()


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_new_topic_form_countries(client, forum, author, language):
    client.force_login(author)
    client.get(f"/fr{new_topic_url(forum)[3:]}")

    response = client.get(f"/{language}{new_topic_url(forum)[3:]}")

    assert_in_language(country_options(response, "country"), language)
