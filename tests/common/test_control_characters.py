"""Control characters are kept out of what people write (common.forms.CleanTextMixin):
nobody types them on purpose, feeds (XML) refuse them, and in a name or a subject a line
break could start a new email header. A text of several lines (a message, a bio) keeps its
line breaks; a one-line text (a name, a title, a subject) is written on one line. A NUL
character is refused, as Django refuses it.
"""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from blogs.models import BlogPost
from forums.models import Forum, Topic
from network.models import Member, Visibility
from tests.factories import verified_member
from tests.forms import form_values
from tests.html import parse, text, tr

pytestmark = pytest.mark.django_db

PROFILE_EDIT = "/fr/network/me/edit/"


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def writer(client):
    member = verified_member(name="Awa Diallo")
    client.force_login(member)
    return member


def test_a_blog_post_is_saved_without_control_characters(client, writer):
    data = form_values(client.get("/fr/blog/write/"), "blog-post-form")
    data.update(
        title="Retour\x1b de Kayes\x0b",
        summary="Un court\u2028résumé\x1b",
        body="Le voyage\x1b.\x0b\nLa suite.\u2028Fin.",
        action="publish",
    )

    response = client.post("/fr/blog/write/", data)

    post = BlogPost.objects.get()
    assert response.status_code == 302
    assert post.title == "Retour de Kayes"
    assert post.summary == "Un court résumé"
    assert post.body == "Le voyage.\nLa suite.\nFin."
    feed = client.get("/fr/blog/feed/atom/")
    assert feed.status_code == 200
    assert "Retour de Kayes" in feed.content.decode()


def test_a_topic_title_and_message_are_saved_without_control_characters(client, writer):
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    url = reverse("forums:new_topic", kwargs={"slug": forum.slug})
    data = {
        "title": "Envois\x1b de fonds\x0b au\u2028pays\n",
        "body": "Premier\x1b message.\x0b\nSuite.\u2028Fin.",
    }

    response = client.post(url, data)

    topic = Topic.objects.get()
    assert response.status_code == 302
    assert topic.title == "Envois de fonds au pays"
    assert topic.posts.get().body == "Premier message.\nSuite.\nFin."


def test_a_reply_is_saved_without_control_characters(client, writer):
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    client.post(
        reverse("forums:new_topic", kwargs={"slug": forum.slug}),
        {"title": "Envois de fonds", "body": "Bonjour."},
    )
    topic = Topic.objects.get()

    client.post(reverse("forums:reply", kwargs={"slug": topic.slug}), {"body": "Oui\x1b\x0b !"})

    assert topic.posts.order_by("pk").last().body == "Oui !"


def test_a_name_and_bio_are_saved_without_control_characters_the_name_on_one_line(client):
    member = verified_member(name="Aminata Diallo", visibility=Visibility.EVERYONE)
    client.force_login(member)
    data = form_values(client.get(PROFILE_EDIT), "profile-form")
    data.update(
        name="Aminata\x1b\nDiallo\u2028\u202egpj.exe",
        country="SN",
        city="Dakar\x0b",
        bio="Chercheuse.\x0b\nMigrations\x1b et territoires.\u2028Dakar.",
    )

    response = client.post(PROFILE_EDIT, data)

    member.refresh_from_db()
    assert response.status_code == 302
    assert member.name == "Aminata Diallo gpj.exe"  # no direction override either
    assert member.city == "Dakar"
    assert member.bio == "Chercheuse.\nMigrations et territoires.\nDakar."


def test_a_nul_character_is_refused_with_a_message_and_nothing_is_saved(client):
    member = verified_member(name="Aminata Diallo", bio="Chercheuse.")
    client.force_login(member)
    data = form_values(client.get(PROFILE_EDIT), "profile-form")
    data.update(country="SN", bio="Cherch\x00euse\x1b.")

    response = client.post(PROFILE_EDIT, data)

    member.refresh_from_db()
    assert response.status_code == 400
    assert tr("Null characters are not allowed.") in text(parse(response))
    assert member.bio == "Chercheuse."


def test_a_name_typed_on_signing_up_is_saved_on_one_line_and_the_password_as_typed():
    client = Client()
    password = "Baobab\x1b-sous-la-pluie-2031"
    with translation.override("fr"):
        signup = reverse("account_signup")
    data = form_values(client.get(signup), "signup-form")
    data.update(
        email="amina@example.org",
        password1=password,
        password2=password,
        name="Amina\r\nBcc: everyone@example.org\x1b",
        country="SN",
        join_as="individual",
        accept_terms="on",
    )

    response = client.post(signup, data)

    member = Member.objects.get(email="amina@example.org")
    assert response.status_code == 302
    assert member.name == "Amina Bcc: everyone@example.org"
    assert member.check_password(password)


def test_a_message_to_a_member_has_its_subject_on_one_line(client, writer, run_tasks):
    recipient = verified_member(
        name="Binta Lectrice", email="binta@example.org", visibility=Visibility.EVERYONE
    )
    url = reverse("network:contact", kwargs={"slug": recipient.slug})

    response = client.post(
        url,
        {
            "subject": "Collaboration\r\nBcc: everyone@example.org\x1b",
            "message": "Bonjour\x1b,\nTravaillons ensemble.\x0b",
        },
    )

    assert response.status_code == 302
    run_tasks()
    (email,) = mail.outbox
    assert "Collaboration Bcc: everyone@example.org" in email.subject
    assert "\n" not in email.subject and "\x1b" not in email.subject
    assert email.bcc == []
    assert "Bonjour,\nTravaillons ensemble." in email.body
    assert "\x1b" not in email.body and "\x0b" not in email.body
