"""Flagging a post says which posting rule it breaks: a category (spam, abusive or
offensive, off topic, personal data of others, other), with the member's own words required
only for "other"; the form links the terms of use, and moderators see the category in their
queue, in the post's history and in the admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from forums import services
from forums.models import MODERATORS_GROUP, Flag, FlagCategory, Forum
from tests.factories import MemberFactory, StaffFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Flagging is rate-limited in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def post(db):
    moderator = verify(MemberFactory())
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    forum = Forum.objects.create(slug="migration", name="Migration")
    topic = services.start_topic(
        author=moderator, forum=forum, title="Transferts", body="Le premier message."
    )
    author = verify(MemberFactory(name="Bakary Traoré"))
    return services.reply(author=author, topic=topic, body="Achetez nos produits !")


@pytest.fixture
def reporter_client(client):
    client.force_login(verify(MemberFactory(name="Awa Ndiaye")))
    return client


def flag_url(post):
    return reverse("forums:flag_post", kwargs={"pk": post.pk})


def test_the_form_offers_the_categories_and_links_the_posting_rules(reporter_client, post):
    response = reporter_client.get(flag_url(post))

    page = parse(response)
    form = find(page, "form", id="flag-form")
    radios = find_all(form, "input", type="radio", name="category")
    assert [radio.attrs["value"] for radio in radios] == [
        "spam",
        "abusive",
        "off_topic",
        "personal_data",
        "other",
    ]
    labels = text(form)
    for category in FlagCategory:
        assert tr(category.label) in labels
    assert reverse("terms") in [a.attrs.get("href") for a in find_all(form, "a")]


@pytest.mark.parametrize("category", ["spam", "abusive", "off_topic", "personal_data"])
def test_a_category_is_enough(reporter_client, post, category):
    data = form_values(reporter_client.get(flag_url(post)), "flag-form")
    data["category"] = category

    response = reporter_client.post(flag_url(post), data)

    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.category, flag.reason) == (category, "")


def test_other_needs_the_members_words(reporter_client, post):
    data = form_values(reporter_client.get(flag_url(post)), "flag-form")
    data.update(category="other", reason="  ")

    refused = reporter_client.post(flag_url(post), data)

    assert refused.status_code == 400
    error = find(parse(refused), "ul", "errorlist")
    assert text(error) == tr("Say what is wrong with this post.")
    assert not Flag.objects.exists()

    data["reason"] = "Il publie le numéro de téléphone d’une famille."
    assert reporter_client.post(flag_url(post), data).status_code == 302
    flag = Flag.objects.get()
    assert (flag.category, flag.reason) == ("other", data["reason"])


def test_a_category_with_words_keeps_both(reporter_client, post):
    data = {"category": "personal_data", "reason": "Le nom et l’adresse d’un voisin."}

    assert reporter_client.post(flag_url(post), data).status_code == 302

    flag = Flag.objects.get()
    assert (flag.category, flag.reason) == ("personal_data", "Le nom et l’adresse d’un voisin.")


def test_an_unknown_category_is_400(reporter_client, post):
    response = reporter_client.post(flag_url(post), {"category": "boring", "reason": "x"})

    assert response.status_code == 400
    assert find(parse(response), "ul", "errorlist")
    assert not Flag.objects.exists()


def test_the_service_refuses_other_without_words_and_the_database_too(post):
    member = verify(MemberFactory())
    with pytest.raises(services.ForumError):
        services.flag_post(member=member, post=post, category=FlagCategory.OTHER, reason=" ")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(post=post, reporter=member, category=FlagCategory.OTHER, reason="")


def test_moderators_see_the_category_in_the_queue_history_and_admin(client, post):
    reporter = verify(MemberFactory(name="Awa Ndiaye"))
    flag = services.flag_post(member=reporter, post=post, category=FlagCategory.SPAM)
    staff = StaffFactory()
    client.force_login(staff)

    queue = parse(client.get(reverse("forums:flags")))
    card = find(queue, "article", id=f"flag-{flag.pk}")
    assert text(find(card, "p", "flag-category")) == tr("Spam")

    history = parse(client.get(reverse("forums:post_history", kwargs={"pk": post.pk})))
    assert text(find(find(history, "section", id="post-flags"), "p", "flag-category")) == tr("Spam")

    changelist = client.get("/admin/forums/flag/", {"category__exact": "spam"})
    assert changelist.status_code == 200
    assert [row.pk for row in changelist.context["cl"].result_list] == [flag.pk]
    assert tr("Spam") in text(find(parse(changelist), "table", id="result_list"))
    assert (
        not client.get("/admin/forums/flag/", {"category__exact": "abusive"})
        .context["cl"]
        .result_list
    )
    detail = client.get(f"/admin/forums/flag/{flag.pk}/change/")
    assert tr("Spam") in text(find(parse(detail), "div", "field-category"))


def test_flags_made_before_categories_become_other(post):
    """Upgrading keeps the flags already made, in the category "other" with their words."""
    executor = MigrationExecutor(connection)
    before = [("forums", "0005_versions")]
    with connection.cursor() as cursor:  # the post's checks, before its indexes change
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    reporter = verify(MemberFactory())
    old.get_model("forums", "Flag").objects.create(
        post_id=post.pk, reporter_id=reporter.pk, reason="Publicité."
    )
    with connection.cursor() as cursor:  # checks now what would wait for the commit
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    flag = Flag.objects.get()
    assert (flag.category, flag.reason) == (FlagCategory.OTHER, "Publicité.")
