"""The forums in a real Chromium, on a phone-sized screen: a member starts a topic and follows
it, another member replies, the first is emailed the reply (sent by the background worker),
then a moderator hides the reply with a reason and the first member no longer sees its text.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from blogs.models import Subscription
from forums.models import MODERATORS_GROUP, Forum, Post, Topic
from tests.factories import verified_member
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # MemberFactory's
TITLE = "Les transferts de fonds et l'emploi des jeunes à Kolda"
REPLY = "Les associations de migrants financent surtout des puits et des écoles."


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


def label(message: str) -> re.Pattern:
    """A field's label in French, with or without Django's label suffix (" :")."""
    return re.compile(rf"^\s*{re.escape(tr(message))}[\s\u00a0\u202f]*:?$")


def log_in(page, live_server, member):
    page.goto(f"{live_server.url}/fr/accounts/login/")
    page.get_by_label(label("Email")).fill(member.email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=tr("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_start_reply_be_told_and_see_the_reply_hidden(live_server, browser, page, run_tasks):
    forum = Forum.objects.create(name="Migration et développement local", slug="local")
    amina = verified_member(name="Amina Diallo")
    bakary = verified_member(name="Bakary Traoré")
    moderator = verified_member(name="Awa Ndiaye")
    # get_or_create: an earlier browser test's flush removed what migrations created.
    moderators, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    moderator.groups.add(moderators)

    # Amina starts a topic from the forum's page.
    log_in(page, live_server, amina)
    page.goto(f"{live_server.url}{forum.get_absolute_url()}")
    page.locator("main").get_by_role("link", name=tr("Start a topic")).click()
    page.get_by_label(label("Title")).fill(TITLE)
    page.get_by_label(label("Message")).fill("Que financent les **migrants** chez vous ?")
    page.get_by_role("button", name=tr("Publish the topic")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    topic = Topic.objects.get(title=TITLE)

    # …and follows it: with the topic's "Follow" button when the page has one.
    follow = page.locator(".follow-button").get_by_role("button", name=tr("Follow"), exact=True)
    if follow.count():
        follow.first.click()
        expect(
            page.locator(".follow-button").get_by_role("button", name=tr("Unfollow"))
        ).to_be_visible()
    else:  # starting it followed it already (her profile's setting)
        Subscription.objects.get_or_create(member=amina, topic=topic)
    assert Subscription.objects.filter(member=amina, topic=topic).exists()
    run_tasks()  # her own first post tells nobody
    mail.outbox.clear()

    # Bakary replies, in a browser of his own.
    bakary_context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    bakary_page = bakary_context.new_page()
    bakary_page.set_default_timeout(10_000)
    log_in(bakary_page, live_server, bakary)
    bakary_page.goto(f"{live_server.url}{topic.get_absolute_url()}")
    bakary_page.locator("#reply-form").get_by_label(label("Your reply")).fill(REPLY)
    bakary_page.get_by_role("button", name=tr("Publish my reply")).click()
    expect(bakary_page.locator(".post-body", has_text=REPLY)).to_be_visible()
    reply = Post.objects.get(topic=topic, author=bakary)
    bakary_context.close()

    # The background worker emails Amina.
    run_tasks()
    to_amina = [message for message in mail.outbox if message.to == [amina.email]]
    assert len(to_amina) == 1, [message.to for message in mail.outbox]
    assert TITLE in to_amina[0].subject
    assert REPLY in to_amina[0].body
    assert "Bakary Traoré" in to_amina[0].body

    # Amina reads the reply.
    page.goto(f"{live_server.url}{topic.get_absolute_url()}")
    expect(page.locator(f"#post-{reply.pk}")).to_contain_text(REPLY)

    # A moderator hides it, with a reason.
    moderator_context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    moderator_page = moderator_context.new_page()
    moderator_page.set_default_timeout(10_000)
    log_in(moderator_page, live_server, moderator)
    moderator_page.goto(f"{live_server.url}{topic.get_absolute_url()}")
    moderator_page.locator(f"#post-{reply.pk}").get_by_role("link", name=tr("Hide")).click()
    expect(moderator_page.get_by_role("heading", level=1)).to_have_text(tr("Hide a post"))
    moderator_page.get_by_label(label("Reason for hiding")).fill("Hors sujet, publicité.")
    moderator_page.get_by_role("button", name=tr("Hide the post")).click()
    hidden = moderator_page.locator(f"#post-{reply.pk}")
    expect(hidden).to_contain_text("Hors sujet, publicité.")
    expect(hidden).to_contain_text(REPLY)  # moderators still read it
    moderator_context.close()

    reply.refresh_from_db()
    assert reply.is_hidden and reply.hidden_by == moderator
    assert reply.hidden_reason == "Hors sujet, publicité."

    # Amina no longer sees Bakary's text: a placeholder stands in its place.
    page.reload()
    post = page.locator(f"#post-{reply.pk}")
    expect(post).to_contain_text(tr("This post was hidden by a moderator."))
    expect(post).not_to_contain_text(REPLY)
    expect(page.get_by_text(REPLY)).to_have_count(0)
