"""Moderation and e-discussions: flagging posts, the moderators' queue of flags, hiding and
unhiding posts, a post's history, the "Moderate" page of a topic (lock, pin, hide, move,
e-discussion settings) and the summary of a closed e-discussion, each for each kind of actor
(anonymous visitor, member whose email is not verified, verified member, the post's author,
a moderator of the "Moderators" group, staff).

Interface strings are compared with what gettext gives for the page's language.
"""

import datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forums import services
from forums.models import (
    MODERATORS_GROUP,
    Flag,
    Forum,
    Post,
    PostRevision,
    Topic,
    TopicKind,
)
from network import accounts
from tests.factories import MemberFactory, ProjectFactory, StaffFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LONG_AGO = datetime.datetime(2001, 3, 1, 9, 0, tzinfo=UTC)
A_BIT_LATER = datetime.datetime(2001, 3, 15, 18, 0, tzinfo=UTC)
FAR_AHEAD = datetime.datetime(2099, 6, 1, 9, 0, tzinfo=UTC)
FURTHER_AHEAD = datetime.datetime(2099, 6, 30, 18, 0, tzinfo=UTC)

ACTORS = ["anonymous", "unverified", "verified", "author", "moderator", "staff"]
MODERATING = {"moderator", "staff"}


# --- data and actors -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def make_member(verified=True, **fields):
    member = MemberFactory(**fields)
    return verify(member) if verified else member


def make_moderator(**fields):
    member = make_member(**fields)
    member.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return member


def make_forum(slug="migration"):
    return Forum.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def make_topic(author=None, forum=None, title="Transferts et développement local", **links):
    author = author or make_moderator()
    return services.start_topic(
        author=author,
        forum=forum or make_forum(),
        title=title,
        body="Le premier message du sujet.",
        **links,
    )


def make_ediscussion(starts_at, ends_at, moderator=None, **links):
    moderator = moderator or make_moderator(name="Awa Ndiaye")
    return make_topic(
        moderator,
        title="E-discussion : les migrants et le développement local",
        kind=TopicKind.EDISCUSSION,
        starts_at=starts_at,
        ends_at=ends_at,
        guiding_questions="1. Quel rôle pour les **collectivités** ?\n2. Quels partenariats ?",
        moderator=moderator,
        **links,
    )


class Scene:
    """A topic with a reply by ``author``, and one person of each kind."""

    def __init__(self):
        self.topic = make_topic()
        self.author = make_member(name="Bakary Traoré")
        self.post = services.reply(
            author=self.author, topic=self.topic, body="Un avis **tranché** sur le sujet."
        )
        self.people = {
            "anonymous": None,
            "unverified": make_member(verified=False),
            "verified": make_member(),
            "author": self.author,
            "moderator": make_moderator(),
            "staff": StaffFactory(),
        }

    def log_in(self, client, actor):
        person = self.people[actor]
        if person is not None:
            client.force_login(person)
        return person


@pytest.fixture
def scene(db):
    return Scene()


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path.endswith("/accounts/login/")


def flag_url(post):
    return reverse("forums:flag_post", kwargs={"pk": post.pk})


def hide_url(post):
    return reverse("forums:hide_post", kwargs={"pk": post.pk})


def unhide_url(post):
    return reverse("forums:unhide_post", kwargs={"pk": post.pk})


def history_url(post):
    return reverse("forums:post_history", kwargs={"pk": post.pk})


def moderate_url(topic):
    return reverse("forums:moderate_topic", kwargs={"slug": topic.slug})


def summary_url(topic):
    return reverse("forums:summary", kwargs={"slug": topic.slug})


def fresh(instance):
    instance.refresh_from_db()
    return instance


# --- Flagging a post -----------------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_flag_a_post_for_each_actor(client, scene, actor):
    person = scene.log_in(client, actor)
    response = client.post(flag_url(scene.post), {"reason": "Propos injurieux."})
    if actor == "anonymous":
        assert goes_to_login(response)
    elif actor in {"unverified", "author"}:
        assert response.status_code == 403
        expected = (
            "Confirm your email address before you flag a post."
            if actor == "unverified"
            else "You cannot flag your own post."
        )
        assert text(find(parse(response), "p", "notice")) == tr(expected)
    else:
        assert response.status_code == 302
        assert response.url == scene.topic.get_absolute_url()
        flag = Flag.objects.get()
        assert (flag.post, flag.reporter, flag.reason) == (scene.post, person, "Propos injurieux.")
        assert flag.resolved_at is None
        return
    assert not Flag.objects.exists()


def test_the_flag_form_and_the_flag_link(client, scene):
    client.force_login(scene.people["verified"])
    page = parse(client.get(scene.topic.get_absolute_url()))
    assert find_all(page, "a", href=flag_url(scene.post))
    response = client.get(flag_url(scene.post))
    assert response.status_code == 200
    assert "Un avis" in text(find(parse(response), "div", "post-body"))
    data = form_values(response, "flag-form")
    data["reason"] = "Hors sujet et agressif."
    assert client.post(flag_url(scene.post), data).status_code == 302
    assert Flag.objects.get().reason == "Hors sujet et agressif."


def test_the_author_gets_no_flag_link_on_their_post(client, scene):
    client.force_login(scene.author)
    page = parse(client.get(scene.topic.get_absolute_url()))
    assert not find_all(page, "a", href=flag_url(scene.post))


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_flag_needs_a_reason_of_at_most_2000_characters(client, scene, reason):
    client.force_login(scene.people["verified"])
    response = client.post(flag_url(scene.post), {"reason": reason})
    assert response.status_code == 400
    assert find(parse(response), "ul", "errorlist")
    assert not Flag.objects.exists()


def test_one_open_flag_per_member_and_post_with_a_clear_message(client, scene):
    member = scene.people["verified"]
    client.force_login(member)
    assert client.post(flag_url(scene.post), {"reason": "Spam."}).status_code == 302
    again = client.post(flag_url(scene.post), {"reason": "Encore du spam."})
    assert again.status_code == 400
    message = "You have already flagged this post: moderators will look at it."
    assert text(find(parse(again), "p", "notice")) == tr(message)
    assert Flag.objects.count() == 1
    # Once dealt with, the same member may flag the post again.
    services.resolve_flag(
        moderator=scene.people["moderator"],
        flag=Flag.objects.get(),
        hide=False,
        resolution="Pas de spam.",
    )
    assert client.post(flag_url(scene.post), {"reason": "Vraiment du spam."}).status_code == 302
    assert Flag.objects.filter(resolved_at__isnull=True).count() == 1


def test_the_database_keeps_one_open_flag_per_member_and_post(scene):
    member = scene.people["verified"]
    services.flag_post(member=member, post=scene.post, reason="Spam.")
    with pytest.raises(services.ForumError):
        services.flag_post(member=member, post=scene.post, reason="Spam again.")
    # Even past the service's check (two requests at once), the constraint holds.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(post=scene.post, reporter=member, reason="Twice")


def test_flagging_is_rate_limited(client, scene):
    assert settings.ACCOUNT_RATE_LIMITS["forum_flag"] == "5/m/user,30/d/user"
    member = scene.people["verified"]
    posts = [
        services.reply(author=scene.author, topic=scene.topic, body=f"Message {n}")
        for n in range(6)
    ]
    client.force_login(member)
    for post in posts[:5]:
        assert client.post(flag_url(post), {"reason": "Spam."}).status_code == 302
    response = client.post(flag_url(posts[5]), {"reason": "Spam."})
    assert response.status_code == 429
    assert find(parse(response), "p", "notice")
    assert Flag.objects.count() == 5
    # Another member is not held back.
    client.force_login(scene.people["moderator"])
    assert client.post(flag_url(posts[5]), {"reason": "Spam."}).status_code == 302


def test_members_cannot_flag_what_they_cannot_see(client, scene):
    services.hide_post(moderator=scene.people["moderator"], post=scene.post, reason="Injurieux.")
    client.force_login(scene.people["verified"])
    assert client.post(flag_url(scene.post), {"reason": "Spam."}).status_code == 404
    assert client.post(reverse("forums:flag_post", kwargs={"pk": 999999}), {}).status_code == 404


def test_flagging_cannot_resolve_or_fake_anything(client, scene):
    """Extra keys posted along with a flag are ignored."""
    moderator = scene.people["moderator"]
    client.force_login(scene.people["verified"])
    client.post(
        flag_url(scene.post),
        {
            "reason": "Spam.",
            "resolved_at": "2020-01-01T00:00",
            "resolved_by": moderator.pk,
            "resolution": "dismissed",
            "reporter": moderator.pk,
            "is_hidden": "on",
        },
    )
    flag = Flag.objects.get()
    assert flag.reporter == scene.people["verified"]
    assert (flag.resolved_at, flag.resolved_by, flag.resolution) == (None, None, "")
    assert not fresh(scene.post).is_hidden


# --- Hiding and unhiding posts -------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_hide_a_post_for_each_actor(client, scene, actor):
    person = scene.log_in(client, actor)
    form_page = client.get(hide_url(scene.post))
    response = client.post(hide_url(scene.post), {"reason": "Propos injurieux."})
    post = fresh(scene.post)
    if actor == "anonymous":
        assert goes_to_login(form_page) and goes_to_login(response)
    elif actor in MODERATING:
        assert form_page.status_code == 200
        assert response.status_code == 302
        assert post.is_hidden
        assert (post.hidden_by, post.hidden_reason) == (person, "Propos injurieux.")
        assert post.hidden_at is not None
        return
    else:
        assert form_page.status_code == 403
        assert response.status_code == 403
    assert not post.is_hidden
    assert post.hidden_by is None


def test_hiding_needs_a_reason(client, scene):
    client.force_login(scene.people["moderator"])
    response = client.post(hide_url(scene.post), {"reason": "  "})
    assert response.status_code == 400
    assert find(parse(response), "ul", "errorlist")
    assert not fresh(scene.post).is_hidden
    too_long = client.post(hide_url(scene.post), {"reason": "x" * 2001})
    assert too_long.status_code == 400


@pytest.mark.parametrize("actor", ACTORS)
def test_unhide_a_post_for_each_actor(client, scene, actor):
    services.hide_post(moderator=scene.people["moderator"], post=scene.post, reason="Injurieux.")
    scene.log_in(client, actor)
    response = client.post(unhide_url(scene.post))
    post = fresh(scene.post)
    if actor == "anonymous":
        assert goes_to_login(response)
    elif actor in MODERATING:
        assert response.status_code == 302
        assert not post.is_hidden
        return
    else:
        assert response.status_code == 403
    assert post.is_hidden


def test_unhiding_takes_a_post_request(client, scene):
    services.hide_post(moderator=scene.people["moderator"], post=scene.post, reason="Injurieux.")
    client.force_login(scene.people["moderator"])
    assert client.get(unhide_url(scene.post)).status_code == 405
    assert fresh(scene.post).is_hidden


def test_a_hidden_post_stays_a_placeholder_for_members_and_readable_for_moderators(client, scene):
    moderator = scene.people["moderator"]
    client.force_login(moderator)
    client.post(hide_url(scene.post), {"reason": "Attaque personnelle."})
    # Nothing is deleted: the post is still there, with who hid it and why.
    post = Post.objects.get(pk=scene.post.pk)
    assert post.body == "Un avis **tranché** sur le sujet."
    assert (post.is_hidden, post.hidden_by, post.hidden_reason) == (
        True,
        moderator,
        "Attaque personnelle.",
    )

    for actor in ["anonymous", "verified", "author"]:
        client.logout()
        scene.log_in(client, actor)
        page = client.get(scene.topic.get_absolute_url())
        assert page.status_code == 200
        article = find(parse(page), "article", id=f"post-{post.pk}")
        assert "tranché" not in text(article), actor
        assert "Attaque personnelle" not in text(article), actor
        assert tr("This post was hidden by a moderator.") in text(article)

    for actor in ["moderator", "staff"]:
        scene.log_in(client, actor)
        page = parse(client.get(scene.topic.get_absolute_url()))
        article = find(page, "article", id=f"post-{post.pk}")
        assert "tranché" in text(article)
        assert "Attaque personnelle." in text(article)
        assert find_all(article, "form", action=unhide_url(post))


def test_moderators_see_moderation_links_on_each_post(client, scene):
    client.force_login(scene.people["moderator"])
    page = parse(client.get(scene.topic.get_absolute_url()))
    assert find_all(page, "a", href=hide_url(scene.post))
    assert find_all(page, "a", href=history_url(scene.post))
    client.force_login(scene.people["verified"])
    page = parse(client.get(scene.topic.get_absolute_url()))
    assert not find_all(page, "a", href=hide_url(scene.post))
    assert not find_all(page, "a", href=history_url(scene.post))


@pytest.mark.parametrize("actor", ACTORS)
def test_only_moderators_see_the_moderate_link_of_a_topic(client, scene, actor):
    scene.log_in(client, actor)
    page = parse(client.get(scene.topic.get_absolute_url()))
    links = find_all(page, "a", href=moderate_url(scene.topic))
    assert bool(links) == (actor in MODERATING)


def test_a_post_hidden_twice_at_once_keeps_the_first_reason(client, scene):
    """Two moderators (or a double click) hide the same post: both are told it is hidden,
    and who hid it and why stay those of the first."""
    first, second = scene.people["moderator"], scene.people["staff"]
    client.force_login(first)
    assert client.post(hide_url(scene.post), {"reason": "Injurieux."}).status_code == 302
    client.force_login(second)
    assert client.post(hide_url(scene.post), {"reason": "Hors sujet."}).status_code == 302
    post = fresh(scene.post)
    assert (post.hidden_by, post.hidden_reason) == (first, "Injurieux.")


# --- Counters stay right ---------------------------------------------------------------------


def test_counters_after_hiding_unhiding_and_moving(client, scene):
    moderator = scene.people["moderator"]
    topic = scene.topic
    first = topic.posts.order_by("created", "id").first()
    last = services.reply(author=scene.people["verified"], topic=topic, body="La dernière réponse.")
    assert (fresh(topic).post_count, topic.last_post) == (3, last)

    client.force_login(moderator)
    client.post(hide_url(last), {"reason": "Hors sujet."})
    topic = fresh(topic)
    assert (topic.post_count, topic.last_post) == (2, scene.post)
    assert topic.last_activity == scene.post.created

    client.post(hide_url(scene.post), {"reason": "Hors sujet."})
    assert (fresh(topic).post_count, topic.last_post) == (1, first)

    client.post(unhide_url(last))
    assert (fresh(topic).post_count, topic.last_post) == (2, last)
    client.post(unhide_url(scene.post))
    assert (fresh(topic).post_count, topic.last_post) == (3, last)

    # Moving the topic keeps its counters.
    elsewhere = make_forum("elsewhere")
    data = form_values(client.get(moderate_url(topic)), "topic-state-form")
    data["state-forum"] = str(elsewhere.pk)
    assert client.post(moderate_url(topic), data).status_code == 302
    topic = fresh(topic)
    assert topic.forum == elsewhere
    assert (topic.post_count, topic.last_post) == (3, last)


def test_counters_after_an_account_is_anonymised(scene):
    topic = scene.topic
    moderator = scene.people["moderator"]
    services.hide_post(moderator=moderator, post=scene.post, reason="Injurieux.")
    last = services.reply(
        author=scene.people["verified"], topic=topic, body="Une dernière réponse."
    )
    # Counters spoiled behind the services' back are put right when the author leaves.
    Topic.objects.filter(pk=topic.pk).update(post_count=42, last_post=None)
    accounts.delete_account(scene.people["verified"])
    services.member_anonymised(member=scene.people["verified"])
    topic = fresh(topic)
    assert (topic.post_count, topic.last_post) == (2, last)
    assert fresh(last).author.display_name == tr("Former member")
    # The hidden post stays hidden, with who hid it.
    assert fresh(scene.post).hidden_by == moderator


# --- The "Moderate" page: lock, pin, hide, move ---------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_the_moderate_page_for_each_actor(client, scene, actor):
    scene.log_in(client, actor)
    response = client.get(moderate_url(scene.topic))
    posted = client.post(
        moderate_url(scene.topic),
        {"action": "state", "state-is_locked": "on", "state-forum": scene.topic.forum_id},
    )
    if actor == "anonymous":
        assert goes_to_login(response) and goes_to_login(posted)
    elif actor in MODERATING:
        assert response.status_code == 200
        assert posted.status_code == 302
        assert fresh(scene.topic).is_locked
        return
    else:
        assert response.status_code == 403
        assert posted.status_code == 403
    assert not fresh(scene.topic).is_locked


def test_lock_pin_hide_and_move_a_topic(client, scene):
    topic = scene.topic
    elsewhere = make_forum("elsewhere")
    client.force_login(scene.people["moderator"])
    data = form_values(client.get(moderate_url(topic)), "topic-state-form")
    data.update({"state-is_locked": "on", "state-is_pinned": "on", "state-is_hidden": "on"})
    data["state-forum"] = str(elsewhere.pk)
    response = client.post(moderate_url(topic), data)
    assert response.status_code == 302
    topic = fresh(topic)
    assert (topic.is_locked, topic.is_pinned, topic.is_hidden) == (True, True, True)
    assert topic.forum == elsewhere
    # Hidden: members no longer find it; moderators still do.
    client.force_login(scene.people["verified"])
    assert client.get(topic.get_absolute_url()).status_code == 404
    client.force_login(scene.people["moderator"])
    assert client.get(topic.get_absolute_url()).status_code == 200
    # And back.
    data = form_values(client.get(moderate_url(topic)), "topic-state-form")
    for name in ("state-is_locked", "state-is_pinned", "state-is_hidden"):
        data.pop(name)
    assert client.post(moderate_url(topic), data).status_code == 302
    topic = fresh(topic)
    assert (topic.is_locked, topic.is_pinned, topic.is_hidden) == (False, False, False)
    assert Topic.objects.count() == 1


def test_moving_to_a_forum_that_does_not_exist_is_refused(client, scene):
    client.force_login(scene.people["moderator"])
    response = client.post(moderate_url(scene.topic), {"action": "state", "state-forum": "999999"})
    assert response.status_code == 400
    assert find(parse(response), "ul", "errorlist")
    response = client.post(moderate_url(scene.topic), {"action": "nonsense"})
    assert response.status_code == 400


def test_a_locked_topic_refuses_replies(scene):
    moderator = scene.people["moderator"]
    services.set_topic_state(moderator=moderator, topic=scene.topic, locked=True)
    with pytest.raises(services.ForumError) as refusal:
        services.reply(author=scene.people["verified"], topic=scene.topic, body="Encore un mot.")
    assert str(refusal.value) == tr("This topic is locked: it takes no more replies.")
    assert fresh(scene.topic).post_count == 2
    services.set_topic_state(moderator=moderator, topic=scene.topic, locked=False)
    services.reply(author=scene.people["verified"], topic=scene.topic, body="Encore un mot.")
    assert fresh(scene.topic).post_count == 3


def test_moderator_rights_cannot_be_faked_by_posting_extra_keys(client, scene):
    member = scene.people["verified"]
    client.force_login(member)
    extra = {
        "is_moderator": "1",
        "is_staff": "on",
        "viewer_is_moderator": "True",
        "groups": Group.objects.get(name=MODERATORS_GROUP).pk,
        "hidden_by": scene.people["moderator"].pk,
    }
    assert client.post(hide_url(scene.post), {"reason": "x", **extra}).status_code == 403
    assert client.post(unhide_url(scene.post), extra).status_code == 403
    state = {"action": "state", "state-is_locked": "on", "state-forum": scene.topic.forum_id}
    assert client.post(moderate_url(scene.topic), {**state, **extra}).status_code == 403
    assert client.get(reverse("forums:flags"), extra).status_code == 403
    flag = services.flag_post(member=member, post=scene.post, reason="Spam.")
    resolve = reverse("forums:resolve_flag", kwargs={"pk": flag.pk})
    decision = {f"flag-{flag.pk}-decision": "hide", f"flag-{flag.pk}-resolution": "x"}
    assert client.post(resolve, {**decision, **extra}).status_code == 403
    member = fresh(member)
    assert not member.is_staff and not member.groups.exists()
    assert not fresh(scene.post).is_hidden and not fresh(scene.topic).is_locked
    assert fresh(flag).resolved_at is None


def test_services_refuse_non_moderators(scene):
    member = scene.people["verified"]
    with pytest.raises(services.ForumError):
        services.hide_post(moderator=member, post=scene.post, reason="x")
    with pytest.raises(services.ForumError):
        services.set_topic_state(moderator=member, topic=scene.topic, locked=True)
    with pytest.raises(services.ForumError):
        services.move_topic(moderator=member, topic=scene.topic, forum=make_forum("elsewhere"))
    flag = services.flag_post(member=member, post=scene.post, reason="Spam.")
    with pytest.raises(services.ForumError):
        services.resolve_flag(moderator=member, flag=flag, hide=True, resolution="x")


# --- A post's history ------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_a_posts_history_for_each_actor(client, scene, actor):
    services.edit_post(
        editor=scene.author,
        post=scene.post,
        body="Un avis plus nuancé.",
        version=scene.post.version,
    )
    services.hide_post(
        moderator=scene.people["moderator"], post=scene.post, reason="Toujours injurieux."
    )
    scene.log_in(client, actor)
    response = client.get(history_url(scene.post))
    if actor == "anonymous":
        assert goes_to_login(response)
    elif actor in MODERATING:
        assert response.status_code == 200
        page = parse(response)
        revisions = text(find(page, "section", id="revisions"))
        assert "Un avis **tranché** sur le sujet." in revisions
        assert "Bakary Traoré" in revisions
        status = text(find(page, "section", id="moderation-status"))
        assert "Toujours injurieux." in status
        assert scene.people["moderator"].display_name in status
        assert "Un avis plus nuancé." in text(page)
    else:
        assert response.status_code == 403


def test_history_of_a_post_that_does_not_exist(client, scene):
    client.force_login(scene.people["moderator"])
    assert client.get(reverse("forums:post_history", kwargs={"pk": 999999})).status_code == 404


def test_history_without_edits(client, scene):
    client.force_login(scene.people["moderator"])
    response = client.get(history_url(scene.post))
    assert text(find(parse(response), "p", "empty")) == tr("The post has not been edited.")
    assert not PostRevision.objects.exists()


def test_the_history_numbers_each_version_of_a_post(client, scene):
    post = scene.post
    services.edit_post(editor=scene.author, post=post, body="Deuxième version.", version=1)
    services.edit_post(
        editor=scene.people["moderator"], post=post, body="Troisième version.", version=2
    )
    client.force_login(scene.people["moderator"])

    page = parse(client.get(history_url(post)))

    def version(number):
        return tr("Version %(number)s") % {"number": number}

    assert version(3) in text(find(page, "small", "version"))
    revisions = find_all(find(page, "section", id="revisions"), "article", "revision")
    assert [text(find(revision, "h3")) for revision in revisions] == [version(2), version(1)]
    assert "Deuxième version." in text(revisions[0])
    assert "Un avis **tranché** sur le sujet." in text(revisions[1])


@pytest.mark.django_db(transaction=True)
def test_posts_edited_before_versions_get_their_numbers_on_upgrade():
    """Upgrading numbers what is already there: a post edited twice is at version 3, and
    the texts it replaced are versions 1 and 2, in the order they were replaced."""
    executor = MigrationExecutor(connection)
    before = [("forums", "0004_news_translations")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    author = MemberFactory().pk  # the accounts' table is as it is now
    forum = old.get_model("forums", "Forum").objects.create(name="F", slug="f")
    topic = old.get_model("forums", "Topic").objects.create(
        forum=forum, title="T", slug="t", author_id=author
    )
    old_posts = old.get_model("forums", "Post").objects
    edited = old_posts.create(topic=topic, author_id=author, body="Troisième.")
    untouched = old_posts.create(topic=topic, author_id=author, body="Seul.")
    for days, body in ((2, "Premier."), (1, "Deuxième.")):
        old.get_model("forums", "PostRevision").objects.create(
            post=edited,
            body=body,
            edited_by_id=author,
            edited_at=timezone.now() - datetime.timedelta(days=days),
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Post.objects.filter(pk=edited.pk).values_list("version", flat=True).get() == 3
    assert Post.objects.filter(pk=untouched.pk).values_list("version", flat=True).get() == 1
    numbered = PostRevision.objects.filter(post_id=edited.pk).order_by("version")
    assert list(numbered.values_list("version", "body")) == [(1, "Premier."), (2, "Deuxième.")]


# --- The queue of flags ----------------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_the_flag_queue_for_each_actor(client, scene, actor):
    flag = services.flag_post(member=scene.people["verified"], post=scene.post, reason="Spam.")
    scene.log_in(client, actor)
    response = client.get(reverse("forums:flags"))
    resolve = client.post(
        reverse("forums:resolve_flag", kwargs={"pk": flag.pk}),
        {f"flag-{flag.pk}-decision": "dismiss"},
    )
    if actor == "anonymous":
        assert goes_to_login(response) and goes_to_login(resolve)
    elif actor in MODERATING:
        assert response.status_code == 200
        assert resolve.status_code == 302
        assert fresh(flag).resolved_at is not None
        return
    else:
        assert response.status_code == 403
        assert resolve.status_code == 403
    assert fresh(flag).resolved_at is None


def test_the_flag_queue_flow(client, scene):
    moderator = scene.people["moderator"]
    reporter = scene.people["verified"]
    other_post = services.reply(
        author=scene.people["staff"], topic=scene.topic, body="Un message contesté."
    )
    older = services.flag_post(member=reporter, post=scene.post, reason="Attaque personnelle.")
    Flag.objects.filter(pk=older.pk).update(created=timezone.now() - datetime.timedelta(hours=1))
    newer = services.flag_post(member=reporter, post=other_post, reason="Publicité.")
    services.resolve_flag(
        moderator=moderator,
        flag=services.flag_post(member=scene.author, post=other_post, reason="x"),
        hide=False,
        resolution="",
    )

    client.force_login(moderator)
    response = client.get(reverse("forums:flags"))
    page = parse(response)
    cards = find_all(page, "article", "flag")
    # Open flags only, oldest first, with the post's excerpt, its topic, who and why.
    assert [card.attrs["id"] for card in cards] == [f"flag-{older.pk}", f"flag-{newer.pk}"]
    first = text(cards[0])
    assert scene.topic.title in first
    assert "Un avis tranché sur le sujet." in first
    assert reporter.display_name in first
    assert "Attaque personnelle." in first

    # Hiding needs a reason: without one, the flag stays open.
    resolve = reverse("forums:resolve_flag", kwargs={"pk": older.pk})
    data = form_values(response, f"resolve-flag-{older.pk}")
    refused = client.post(resolve, {**data, f"flag-{older.pk}-decision": "hide"})
    assert refused.status_code == 400
    assert find(parse(refused), "ul", "errorlist")
    assert fresh(older).resolved_at is None

    # Hide the post: the flag is resolved with who, when and why.
    data[f"flag-{older.pk}-resolution"] = "Attaque personnelle : masqué."
    assert client.post(resolve, {**data, f"flag-{older.pk}-decision": "hide"}).status_code == 302
    older, post = fresh(older), fresh(scene.post)
    assert (older.resolved_by, older.resolution) == (moderator, "Attaque personnelle : masqué.")
    assert older.resolved_at is not None
    assert (post.is_hidden, post.hidden_by, post.hidden_reason) == (
        True,
        moderator,
        "Attaque personnelle : masqué.",
    )

    # Dismiss the other: resolved, the post stays shown.
    resolve = reverse("forums:resolve_flag", kwargs={"pk": newer.pk})
    assert client.post(resolve, {f"flag-{newer.pk}-decision": "dismiss"}).status_code == 302
    newer = fresh(newer)
    assert newer.resolved_by == moderator and newer.resolved_at is not None
    assert newer.resolution
    assert not fresh(other_post).is_hidden

    # The queue is empty; a flag already dealt with is not dealt with twice.
    page = parse(client.get(reverse("forums:flags")))
    assert not find_all(page, "article", "flag")
    assert find(page, "p", "empty")
    again = client.post(resolve, {f"flag-{newer.pk}-decision": "hide"})
    assert again.status_code == 302
    assert not fresh(other_post).is_hidden
    assert Flag.objects.count() == 3


def test_hiding_a_flagged_post_resolves_every_open_flag_on_it(scene):
    moderator = scene.people["moderator"]
    first = services.flag_post(member=scene.people["verified"], post=scene.post, reason="Spam.")
    second = services.flag_post(member=scene.people["staff"], post=scene.post, reason="Spam aussi.")
    services.resolve_flag(moderator=moderator, flag=first, hide=True, resolution="Spam.")
    assert fresh(second).resolved_at is not None
    assert fresh(second).resolved_by == moderator


def test_a_flag_decision_must_be_hide_or_dismiss(client, scene):
    flag = services.flag_post(member=scene.people["verified"], post=scene.post, reason="Spam.")
    client.force_login(scene.people["moderator"])
    resolve = reverse("forums:resolve_flag", kwargs={"pk": flag.pk})
    assert client.post(resolve, {f"flag-{flag.pk}-decision": "delete"}).status_code == 400
    assert client.get(resolve).status_code == 200
    assert fresh(flag).resolved_at is None
    assert Post.objects.filter(pk=scene.post.pk).exists()


def test_the_flag_queue_takes_the_same_number_of_queries_whatever_its_length(client, scene):
    moderator = scene.people["moderator"]
    client.force_login(moderator)

    def add_flags(count):
        for _n in range(count):
            post = services.reply(author=make_member(), topic=scene.topic, body="Un message.")
            services.flag_post(member=make_member(), post=post, reason="Spam.")

    add_flags(2)
    client.get(reverse("forums:flags"))  # session, moderator group: warmed up
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("forums:flags")).status_code == 200
    add_flags(8)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("forums:flags"))
    assert len(find_all(parse(response), "article", "flag")) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 8, len(many.captured_queries)


# --- The admin ---------------------------------------------------------------------------------


def test_flags_are_read_in_the_admin_and_dismissed_through_the_same_rules(client, scene):
    flag = services.flag_post(member=scene.people["verified"], post=scene.post, reason="Spam.")
    staff = scene.people["staff"]
    client.force_login(staff)
    change = f"/admin/forums/flag/{flag.pk}/change/"
    assert client.get("/admin/forums/flag/").status_code == 200
    assert client.get(change).status_code == 200
    # Nothing is changed by hand: no "add", no editable form.
    assert client.get("/admin/forums/flag/add/").status_code == 403
    assert client.post(change, {"resolution": "Réglé à la main."}).status_code == 403
    assert fresh(flag).resolved_at is None

    dismiss = {"action": "dismiss", "_selected_action": [flag.pk]}
    response = client.post("/admin/forums/flag/", dismiss, follow=True)

    flag = fresh(flag)
    assert (flag.resolved_by, flag.resolution) == (staff, tr("Dismissed."))
    assert not fresh(scene.post).is_hidden
    assert "1" in text(find(parse(response), "ul", "messagelist"))
    again = client.post("/admin/forums/flag/", dismiss, follow=True)
    assert tr("This flag has already been dealt with.") in text(
        find(parse(again), "ul", "messagelist")
    )


def test_staff_correcting_a_topic_in_the_admin_get_clear_errors_and_keep_the_counters(
    client, scene
):
    client.force_login(scene.people["staff"])
    change = f"/admin/forums/topic/{scene.topic.pk}/change/"
    data = form_values(client.get(change), "topic_form")
    # A reply comes in while the page is open.
    services.reply(author=scene.people["verified"], topic=scene.topic, body="Entre-temps.")

    refused = client.post(change, data | {"kind": "ediscussion"})

    assert refused.status_code == 200
    assert tr("An e-discussion needs an opening and a closing date.") in text(parse(refused))
    assert "ediscussion_has_dates" not in refused.content.decode()

    assert client.post(change, data | {"title": "Un titre corrigé"}).status_code == 302
    topic = fresh(scene.topic)
    assert topic.title == "Un titre corrigé"
    assert topic.post_count == 3
    assert topic.last_post.body == "Entre-temps."


# --- E-discussions ---------------------------------------------------------------------------


def test_an_ediscussion_opens_and_closes_by_its_dates():
    topic = Topic(
        kind=TopicKind.EDISCUSSION,
        starts_at=datetime.datetime(2030, 1, 1, 9, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2030, 2, 1, 18, 0, tzinfo=UTC),
    )
    assert not topic.is_open(now=datetime.datetime(2030, 1, 1, 8, 59, tzinfo=UTC))
    assert topic.is_open(now=datetime.datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
    assert topic.is_open(now=datetime.datetime(2030, 2, 1, 17, 59, tzinfo=UTC))
    assert not topic.is_open(now=datetime.datetime(2030, 2, 1, 18, 0, tzinfo=UTC))
    topic.is_locked = True
    assert not topic.is_open(now=datetime.datetime(2030, 1, 15, tzinfo=UTC))


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "accepts"),
    [
        (FAR_AHEAD, FURTHER_AHEAD, False),
        (LONG_AGO, FAR_AHEAD, True),
        (LONG_AGO, A_BIT_LATER, False),
    ],
    ids=["not-yet-open", "open", "closed"],
)
def test_replies_to_an_ediscussion_only_while_it_is_open(client, starts_at, ends_at, accepts):
    topic = make_ediscussion(starts_at, ends_at)
    member = make_member()
    if accepts:
        services.reply(author=member, topic=topic, body="Ma contribution.")
        assert fresh(topic).post_count == 2
    else:
        with pytest.raises(services.ForumError) as refusal:
            services.reply(author=member, topic=topic, body="Ma contribution.")
        opens_or_closed = (
            "This e-discussion opens on %(date)s."
            if starts_at == FAR_AHEAD
            else ("This e-discussion closed on %(date)s.")
        )
        assert str(refusal.value).startswith(tr(opens_or_closed).split("%(date)s")[0])
    # Through the site as well: the same words, and the text written is kept.
    client.force_login(member)
    response = client.post(reverse("forums:reply", kwargs={"slug": topic.slug}), {"body": "Oui."})
    if accepts:
        assert response.status_code == 302
    else:
        assert response.status_code == 403
        assert str(refusal.value) in text(find(parse(response), "div", "form-errors"))
        assert text(find(find(parse(response), "form", id="reply-form"), "textarea")) == "Oui."
        assert fresh(topic).post_count == 1


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "status"),
    [
        (FAR_AHEAD, FURTHER_AHEAD, "Not open yet: contributions from %(starts)s until %(ends)s."),
        (LONG_AGO, FAR_AHEAD, "Open until %(ends)s."),
        (LONG_AGO, A_BIT_LATER, "Closed on %(ends)s."),
    ],
    ids=["not-yet-open", "open", "closed"],
)
def test_the_ediscussion_block_shows_dates_status_questions_and_moderator(
    rf, starts_at, ends_at, status
):
    from django.utils.formats import date_format
    from django.utils.translation import override

    topic = make_ediscussion(starts_at, ends_at)
    request = rf.get("/fr/")
    request.user = make_member()
    with override("fr"):
        html = render_to_string(
            "forums/partials/ediscussion.html", {"topic": topic, "user": request.user}, request
        )
        # With the time zone's name (the site's, UTC).
        dates = {
            "starts": date_format(timezone.localtime(starts_at), "DATETIME_FORMAT") + " (UTC)",
            "ends": date_format(timezone.localtime(ends_at), "DATETIME_FORMAT") + " (UTC)",
        }

    class Page:
        content = html.encode()

    block = parse(Page)
    assert text(find(block, "p", "ediscussion-status")) == tr(status) % dates
    assert text(find(block, "dd", "ediscussion-moderator")) == "Awa Ndiaye"
    questions = find(block, "div", "guiding-questions")
    assert find(questions, "strong") and text(find(questions, "strong")) == "collectivités"
    assert len(find_all(questions, "li")) == 2


def test_the_topic_page_shows_the_ediscussion_block(client):
    topic = make_ediscussion(LONG_AGO, FAR_AHEAD)
    page = parse(client.get(topic.get_absolute_url()))
    block = find(page, "section", "ediscussion")
    assert "Awa Ndiaye" in text(block)


@pytest.mark.parametrize("actor", ACTORS)
def test_turning_a_topic_into_an_ediscussion_for_each_actor(client, scene, actor):
    scene.log_in(client, actor)
    data = {
        "action": "ediscussion",
        "ediscussion-kind": "ediscussion",
        "ediscussion-starts_at": "2031-05-01T09:00",
        "ediscussion-ends_at": "2031-05-31T18:00",
        "ediscussion-guiding_questions": "1. Quels projets ?",
        "ediscussion-moderator": scene.people["moderator"].pk,
    }
    response = client.post(moderate_url(scene.topic), data)
    topic = fresh(scene.topic)
    if actor == "anonymous":
        assert goes_to_login(response)
    elif actor in MODERATING:
        assert response.status_code == 302
        assert topic.is_ediscussion
        assert topic.starts_at == datetime.datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
        assert topic.ends_at == datetime.datetime(2031, 5, 31, 18, 0, tzinfo=UTC)
        assert topic.guiding_questions == "1. Quels projets ?"
        assert topic.moderator == scene.people["moderator"]
        # The counters were not touched.
        assert (topic.post_count, topic.last_post) == (2, scene.post)
        return
    else:
        assert response.status_code == 403
    assert not topic.is_ediscussion


def test_the_ediscussion_form_round_trips_and_checks_its_dates(client, scene):
    client.force_login(scene.people["staff"])
    response = client.get(moderate_url(scene.topic))
    data = form_values(response, "ediscussion-form")
    data["ediscussion-kind"] = "ediscussion"
    missing = client.post(moderate_url(scene.topic), data)
    assert missing.status_code == 400
    errors = find_all(parse(missing), "ul", "errorlist")
    assert tr("An e-discussion needs an opening and a closing date.") in text(errors[0])
    data["ediscussion-starts_at"] = "2031-05-31T18:00"
    data["ediscussion-ends_at"] = "2031-05-01T09:00"
    backwards = client.post(moderate_url(scene.topic), data)
    assert backwards.status_code == 400
    assert tr("The closing date must come after the opening date.") in text(parse(backwards))
    # Only moderators may be named to run it.
    data["ediscussion-starts_at"], data["ediscussion-ends_at"] = (
        data["ediscussion-ends_at"],
        data["ediscussion-starts_at"],
    )
    data["ediscussion-moderator"] = str(scene.people["verified"].pk)
    assert client.post(moderate_url(scene.topic), data).status_code == 400
    assert not fresh(scene.topic).is_ediscussion
    data["ediscussion-moderator"] = str(scene.people["moderator"].pk)
    assert client.post(moderate_url(scene.topic), data).status_code == 302
    topic = fresh(scene.topic)
    assert topic.is_ediscussion and topic.moderator == scene.people["moderator"]
    # Unchanged when posted back as shown.
    data = form_values(client.get(moderate_url(topic)), "ediscussion-form")
    assert data["ediscussion-starts_at"] == "2031-05-01T09:00"
    assert client.post(moderate_url(topic), data).status_code == 302
    assert fresh(topic).starts_at == topic.starts_at


# --- The summary of a closed e-discussion -----------------------------------------------------

SUMMARY_ACTORS = [*ACTORS, "named moderator", "other moderator"]


@pytest.mark.parametrize("actor", SUMMARY_ACTORS)
def test_writing_the_summary_for_each_actor(client, actor):
    named = make_moderator(name="Awa Ndiaye")
    topic = make_ediscussion(LONG_AGO, A_BIT_LATER, moderator=named)
    people = {
        "anonymous": None,
        "unverified": make_member(verified=False),
        "verified": make_member(),
        "author": make_member(),
        "moderator": make_moderator(),
        "other moderator": make_moderator(),
        "named moderator": named,
        "staff": StaffFactory(),
    }
    if people[actor] is not None:
        client.force_login(people[actor])
    if actor == "author":  # wrote in the e-discussion while it was open
        Post.objects.create(topic=topic, author=people[actor], body="Ma contribution.")
        services.refresh_topic(topic)
    page = client.get(summary_url(topic))
    response = client.post(summary_url(topic), {"summary": "Ce qui a été dit."})
    topic = fresh(topic)
    if actor == "anonymous":
        assert goes_to_login(page) and goes_to_login(response)
    elif actor in {"named moderator", "staff"}:
        assert page.status_code == 200
        assert response.status_code == 302
        assert topic.summary == "Ce qui a été dit."
        return
    else:
        assert page.status_code == 403
        assert response.status_code == 403
    assert topic.summary == ""


def test_the_summary_waits_for_the_ediscussion_to_close(client):
    named = make_moderator(name="Awa Ndiaye")
    topic = make_ediscussion(LONG_AGO, FAR_AHEAD, moderator=named)
    client.force_login(named)
    for response in (
        client.get(summary_url(topic)),
        client.post(summary_url(topic), {"summary": "Trop tôt."}),
    ):
        assert response.status_code == 400
        assert text(find(parse(response), "p", "notice")).startswith(
            tr("The summary is written once the e-discussion has closed, after %(date)s.").split(
                "%"
            )[0]
        )
    assert fresh(topic).summary == ""


def test_a_plain_topic_has_no_summary(client, scene):
    client.force_login(scene.people["staff"])
    assert client.get(summary_url(scene.topic)).status_code == 404


def test_the_summary_shows_at_the_top_of_the_topic_and_on_the_project_page(client):
    project = ProjectFactory(title="Upala, ville solidaire")
    named = make_moderator(name="Awa Ndiaye")
    topic = make_ediscussion(LONG_AGO, A_BIT_LATER, moderator=named, project=project)
    client.force_login(named)
    summary = "Trois **idées** sont ressorties."
    response = client.post(summary_url(topic), {"summary": summary, "post_count": "99"})
    assert response.status_code == 302
    topic = fresh(topic)
    assert topic.summary_html.strip() == "<p>Trois <strong>idées</strong> sont ressorties.</p>"
    assert topic.post_count == 1

    client.logout()
    page = parse(client.get(topic.get_absolute_url()))
    summary_block = find(page, "div", "ediscussion-summary")
    assert text(summary_block).endswith("Trois idées sont ressorties.")
    # At the top: before any post.
    html = client.get(topic.get_absolute_url()).content.decode()
    assert html.index("ediscussion-summary") < html.index('class="card post')

    project_page = client.get(f"/fr/projects/{project.slug}/")
    assert project_page.status_code == 200
    on_project = find(parse(project_page), "div", "ediscussion-summary")
    assert "Trois idées sont ressorties." in text(on_project)


def test_the_summary_is_limited_and_sanitised(client):
    named = make_moderator()
    topic = make_ediscussion(LONG_AGO, A_BIT_LATER, moderator=named)
    client.force_login(named)
    assert client.post(summary_url(topic), {"summary": "x" * 20001}).status_code == 400
    assert client.post(summary_url(topic), {"summary": ""}).status_code == 400
    xss = "Bilan <script>alert(1)</script> [lien](javascript:alert(1)) <img src=x onerror=alert(1)>"
    assert client.post(summary_url(topic), {"summary": xss}).status_code == 302

    class Rendered:
        content = fresh(topic).summary_html.encode()

    elements = find_all(parse(Rendered), "*")
    assert elements
    assert not [element for element in elements if element.tag in {"script", "img", "iframe"}]
    for element in elements:
        assert not [name for name in element.attrs if name.startswith("on")]
        assert not element.attrs.get("href", "").lower().startswith("javascript")
