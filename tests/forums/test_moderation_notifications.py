"""Being told in the forums: moderators of the posts members flag (one digest for flags
raised together), the author of a post a moderator hid of the moderator's reason, in their
language; and the authors of topics and replies follow them (unless their profile says
not to)."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from forums import services
from forums.models import MODERATORS_GROUP, Flag, FlagCategory, Forum
from tests.factories import StaffFactory, verified_member
from tests.forms import form_values
from tests.html import tr, tr_count
from tests.network.concurrency import at_once, browser, meeting_before_saving

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.org"
REASON = "Ce message contient l’adresse personnelle d’un autre membre."


@pytest.fixture(autouse=True)
def site_and_cache(settings):
    settings.SITE_URL = SITE
    cache.clear()
    yield
    cache.clear()


def moderator(**fields):
    member = verified_member(**fields)
    member.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return member


@pytest.fixture
def forum():
    return Forum.objects.create(name="Diaspora", slug="diaspora")


def topic_with_reply(forum, author):
    starter = verified_member(name="Awa Initiatrice", follow_own_topics=False)
    topic = services.start_topic(
        author=starter, forum=forum, title="Envois de fonds", body="Premier message."
    )
    post = services.reply(author=author, topic=topic, body="Voici l’adresse de Fatou : …")
    return topic, post


def hide_through_the_page(client, who, post, reason):
    client.force_login(who)
    url = reverse("forums:hide_post", kwargs={"pk": post.pk})
    response = client.post(url, {**form_values(client.get(url), "hide-form"), "reason": reason})
    assert response.status_code == 302
    return response


def told(address):
    return [message for message in mail.outbox if message.to == [address]]


# --- A post hidden: its author is told why ------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en", "es"])
def test_the_author_of_a_hidden_post_gets_the_reason_in_their_language(
    client, forum, run_tasks, language
):
    author = verified_member(name="Bakary Traoré", language=language)
    topic, post = topic_with_reply(forum, author)
    run_tasks()
    mail.outbox.clear()

    hide_through_the_page(client, moderator(name="Modératrice Awa"), post, REASON)
    run_tasks()

    (message,) = told(author.email)
    assert message.extra_headers["Content-Language"] == language
    assert message.subject == tr("Your post in “%(title)s” was hidden by a moderator", language) % {
        "title": "Envois de fonds"
    }
    assert tr("Hello %(name)s,", language) % {"name": "Bakary Traoré"} in message.body
    assert REASON in message.body
    assert "Voici l’adresse de Fatou : …" in message.body
    assert f"{SITE}/{language}/forums/posts/{post.pk}/" in message.body
    assert f"{SITE}/{language}/terms/" in message.body
    assert f"{SITE}/{language}/contact/" in message.body
    assert "Modératrice Awa" not in message.body  # the moderator is not named


def test_a_moderator_hiding_their_own_post_is_not_emailed(client, forum, run_tasks):
    own = moderator()
    _topic, post = topic_with_reply(forum, own)
    run_tasks()
    mail.outbox.clear()

    hide_through_the_page(client, own, post, "Posté dans le mauvais sujet.")
    run_tasks()

    assert told(own.email) == []


def test_a_post_hidden_twice_tells_its_author_once(client, forum, run_tasks):
    author = verified_member()
    _topic, post = topic_with_reply(forum, author)
    first = moderator()
    services.hide_post(moderator=first, post=post, reason=REASON)
    services.hide_post(moderator=moderator(), post=post, reason="Autre raison.")  # already hidden
    run_tasks()

    (message,) = told(author.email)
    assert REASON in message.body and "Autre raison." not in message.body


def test_a_post_shown_again_before_the_email_went_withdraws_it(forum, run_tasks):
    author = verified_member()
    _topic, post = topic_with_reply(forum, author)
    services.hide_post(moderator=moderator(), post=post, reason="Erreur de ma part.")
    services.unhide_post(moderator=moderator(), post=post)
    run_tasks()

    assert told(author.email) == []

    services.hide_post(moderator=moderator(), post=post, reason=REASON)  # hidden again: told
    run_tasks()
    (message,) = told(author.email)
    assert REASON in message.body


def test_hiding_a_flagged_post_from_the_queue_tells_its_author(forum, run_tasks):
    author = verified_member(language="en")
    _topic, post = topic_with_reply(forum, author)
    flag = Flag.objects.create(post=post, reporter=verified_member(), reason="Adresse privée.")

    services.resolve_flag(moderator=StaffFactory(), flag=flag, hide=True, resolution=REASON)
    run_tasks()

    (message,) = told(author.email)
    assert REASON in message.body
    assert "A moderator hid your post of" in message.body


def test_a_closed_account_is_not_emailed(forum, run_tasks):
    author = verified_member()
    _topic, post = topic_with_reply(forum, author)
    author.is_active = False
    author.save()
    post.refresh_from_db()

    services.hide_post(moderator=moderator(), post=post, reason=REASON)
    run_tasks()

    assert told(author.email) == []


# --- Flags: the moderators are told, by a digest -------------------------------------------------


@contextmanager
def later(seconds: float):
    """The clock moved ``seconds`` ahead, for what reads it (the outbox, the worker)."""
    real_now = timezone.now
    with mock.patch("django.utils.timezone.now", lambda: real_now() + timedelta(seconds=seconds)):
        yield


def flag_through_the_page(client, member, post, category, reason=""):
    client.force_login(member)
    url = reverse("forums:flag_post", kwargs={"pk": post.pk})
    data = {**form_values(client.get(url), "flag-form"), "category": category, "reason": reason}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()


def test_five_flags_at_once_make_one_email_per_moderator(client, forum, run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 300
    french = moderator(name="Modératrice Awa", language="fr")
    english = moderator(name="Moderator Ann", language="en")
    staff_outside_the_group = StaffFactory()
    author = verified_member(name="Bakary Traoré")
    topic, post = topic_with_reply(forum, author)
    other = services.reply(author=author, topic=topic, body="Achetez mes montres.")
    run_tasks()
    mail.outbox.clear()

    flags = [
        (post, FlagCategory.PERSONAL_DATA, "L’adresse de Fatou."),
        (post, FlagCategory.ABUSIVE, ""),
        (other, FlagCategory.SPAM, ""),
        (other, FlagCategory.SPAM, "Publicité."),
        (other, FlagCategory.OTHER, "Hors charte, pour une autre raison."),
    ]
    for flagged, category, reason in flags:
        flag_through_the_page(client, verified_member(), flagged, category, reason)
    assert Flag.objects.count() == 5
    run_tasks()
    assert mail.outbox == []  # gathered for a few minutes first

    with later(301):
        run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([french.email, english.email])
    assert told(staff_outside_the_group.email) == []
    (to_french,) = told(french.email)
    assert to_french.subject == tr_count(
        "M4D Net: one flagged post to look at", "M4D Net: %(counter)s flagged posts to look at", 5
    )
    assert tr("Hello %(name)s,") % {"name": "Modératrice Awa"} in to_french.body
    for _flagged, category, reason in flags:
        assert str(FlagCategory(category).label) in to_french.body  # in French
        assert reason in to_french.body
    assert f"{SITE}/fr/forums/moderation/flags/" in to_french.body
    for flag in Flag.objects.all():
        assert f"{SITE}/fr/forums/moderation/flags/{flag.pk}/" in to_french.body
    (to_english,) = told(english.email)
    assert to_english.subject == "M4D Net: 5 flagged posts to look at"
    assert "Personal data of others: L’adresse de Fatou." in to_english.body
    assert "A post by Bakary Traoré in “Envois de fonds”" in to_english.body
    assert f"{SITE}/en/forums/moderation/flags/" in to_english.body

    with later(3600):
        run_tasks()
    assert len(mail.outbox) == 2  # nothing twice

    # A flag raised after the digest went out starts the next one.
    flag_through_the_page(client, verified_member(), post, FlagCategory.SPAM, "Encore.")
    with later(301):
        run_tasks()
    assert len(told(french.email)) == 2
    assert "Encore." in told(french.email)[1].body


def test_without_moderators_staff_hear_of_flags(forum, run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 0
    Group.objects.get_or_create(name=MODERATORS_GROUP)
    staff = StaffFactory(language="es")
    StaffFactory(is_active=False)
    _topic, post = topic_with_reply(forum, verified_member())

    services.flag_post(member=verified_member(), post=post, category=FlagCategory.SPAM)
    run_tasks()

    (message,) = mail.outbox
    assert message.to == [staff.email]
    assert message.extra_headers["Content-Language"] == "es"
    assert f"{SITE}/es/forums/moderation/flags/" in message.body


@pytest.mark.django_db(transaction=True)
def test_flags_raised_at_the_same_instant_make_one_email_listing_both(forum, run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 300
    reader = moderator(language="en")
    author = verified_member(name="Bakary Traoré", follow_own_topics=False)
    _topic, post = topic_with_reply(forum, author)
    url = reverse("forums:flag_post", kwargs={"pk": post.pk})
    requests = [
        (browser(verified_member()), url, {"category": FlagCategory.SPAM, "reason": reason})
        for reason in ("Première raison.", "Seconde raison.")
    ]

    # Both flags are saved before either transaction writes its digest.
    with meeting_before_saving(Flag, created=True):
        responses = at_once(*requests)
    assert [response.status_code for response in responses] == [302, 302]
    with later(301):
        run_tasks()

    (message,) = told(reader.email)
    assert "Première raison." in message.body and "Seconde raison." in message.body
    assert message.subject == "M4D Net: 2 flagged posts to look at"
