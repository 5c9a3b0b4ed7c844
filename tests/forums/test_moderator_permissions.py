"""Who moderates: the members of the "Moderators" group and the accounts given the
permission to change forum posts (directly or through a group); superusers too. Being staff
(logging into the admin, say to edit the catalogue) gives no moderation power: no hiding,
no locking, no flag queue, no "Flags" in the menu, no email about flags.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from forums import services
from forums.models import MODERATORS_GROUP, Forum, Post, Topic, is_moderator
from tests.factories import MemberFactory, StaffFactory, verified_member, verify
from tests.html import find_all, parse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def change_post() -> Permission:
    return Permission.objects.get(content_type__app_label="forums", codename="change_post")


def staff_without_permission():
    return verify(MemberFactory(is_staff=True, name="Éditrice du catalogue"))


def staff_in_the_moderators_group():
    member = verify(MemberFactory(is_staff=True))
    member.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return member


def staff_given_the_permission():
    member = verify(MemberFactory(is_staff=True))
    member.user_permissions.add(change_post())
    return member


def member_of_a_group_given_the_permission():
    team = Group.objects.create(name="Équipe des forums")
    team.permissions.add(change_post())
    member = verified_member()
    member.groups.add(team)
    return member


def superuser():
    return verify(StaffFactory())


MODERATING = [
    staff_in_the_moderators_group,
    staff_given_the_permission,
    member_of_a_group_given_the_permission,
    superuser,
]


@pytest.fixture
def reply():
    """A topic with a reply, flagged once."""
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    topic = services.start_topic(
        author=verified_member(), forum=forum, title="Envois de fonds", body="Premier message."
    )
    post = services.reply(author=verified_member(), topic=topic, body="Un avis tranché.")
    services.flag_post(member=verified_member(), post=post, reason="Hors sujet.")
    return post


def hide(client, post):
    return client.post(reverse("forums:hide_post", kwargs={"pk": post.pk}), {"reason": "Spam."})


def lock(client, topic):
    return client.post(
        reverse("forums:moderate_topic", kwargs={"slug": topic.slug}),
        {"action": "state", "state-is_locked": "on", "state-forum": topic.forum_id},
    )


def has_flags_in_the_menu(client) -> bool:
    (header,) = find_all(parse(client.get("/fr/")), "header", "site-header")
    menus = find_all(header, "ul", "member-menu")
    return reverse("forums:flags") in {
        link.attrs.get("href") for menu in menus for link in find_all(menu, "a")
    }


def test_staff_without_the_permission_do_not_moderate(client, reply):
    staff = staff_without_permission()
    client.force_login(staff)
    topic = reply.topic

    assert client.get(reverse("forums:flags")).status_code == 403
    assert hide(client, reply).status_code == 403
    assert lock(client, topic).status_code == 403
    moderate_page = reverse("forums:moderate_topic", kwargs={"slug": topic.slug})
    assert client.get(moderate_page).status_code == 403
    assert not has_flags_in_the_menu(client)
    assert not Post.objects.get(pk=reply.pk).is_hidden
    assert not Topic.objects.get(pk=topic.pk).is_locked
    with pytest.raises(services.NotPermitted):
        services.hide_post(moderator=staff, post=reply, reason="Spam.")
    assert not is_moderator(staff)


@pytest.mark.parametrize("make", MODERATING, ids=lambda make: make.__name__)
def test_the_moderators_group_and_the_permission_give_moderation(client, reply, make):
    client.force_login(make())
    topic = reply.topic

    assert client.get(reverse("forums:flags")).status_code == 200
    assert has_flags_in_the_menu(client)
    assert hide(client, reply).status_code == 302
    assert lock(client, topic).status_code == 302
    assert Post.objects.get(pk=reply.pk).is_hidden
    assert Topic.objects.get(pk=topic.pk).is_locked


def test_staff_without_the_permission_are_not_told_of_flags(reply, run_tasks, settings):
    """With nobody in the "Moderators" group, the other moderators hear of flags; staff
    who do not moderate do not."""
    settings.OUTBOX_DIGEST_WINDOW = 0
    editor = staff_without_permission()
    moderator = staff_given_the_permission()

    services.flag_post(member=verified_member(), post=reply, reason="Spam.")
    run_tasks()

    recipients = {address for message in mail.outbox for address in message.to}
    assert moderator.email in recipients
    assert editor.email not in recipients


def test_staff_without_permission_write_no_e_discussion_summary():
    forum = Forum.objects.create(name="E-discussions", slug="e-debats")
    named = verified_member()
    topic = Topic.objects.create(
        forum=forum,
        title="Transferts",
        slug="transferts",
        kind="ediscussion",
        moderator=named,
        author=named,
        starts_at=timezone.now() - timedelta(days=9),
        ends_at=timezone.now() - timedelta(days=2),
    )
    assert services.may_write_summary(member=named, topic=topic)
    assert services.may_write_summary(member=superuser(), topic=topic)
    assert not services.may_write_summary(member=staff_without_permission(), topic=topic)
    assert not services.may_write_summary(member=verified_member(), topic=topic)
