"""`manage.py generate_data`: realistic generated data at a chosen size, here a tiny one.

What it writes must be what the site would hold had people written it: the counts asked
for, topic counters as the forums keep them, a search index that finds it, pages that show
it; and running it again adds again."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from blogs.models import BlogPost, Subscription
from forums.models import MODERATORS_GROUP, Flag, Post, Topic, TopicKind
from forums.services import refresh_topic
from icmd.generation import PASSWORD, Counts
from network.models import Member, Membership, Visibility
from projects.models import Organisation, Partnership, Project
from search.models import SearchDocument
from search.query import text_query
from tests.html import find_all, parse

pytestmark = pytest.mark.django_db

TINY = Counts(
    projects=24,
    organisations=10,
    countries=4,
    members=40,
    topics=12,
    posts=150,
    blog_posts=8,
)
KINDS = {
    Project: "projects",
    Organisation: "organisations",
    Member: "members",
    Topic: "topics",
    Post: "posts",
    BlogPost: "blog_posts",
}


TINY_OPTIONS = {kind: getattr(TINY, kind) for kind in Counts.kinds()}


def generate(**options) -> str:
    """``manage.py generate_data`` with these options; what it prints."""
    out = StringIO()
    call_command("generate_data", stdout=out, **options)
    return out.getvalue()


def counts() -> dict:
    return {kind: model.objects.count() for model, kind in KINDS.items()}


@pytest.fixture
def generated(seed):
    """The seed, then one tiny generated run on top of it."""
    before = counts()
    output = generate(**TINY_OPTIONS, seed=1)
    return before, output


def test_writes_the_counts_asked_for(generated):
    before, output = generated
    after = counts()
    assert {kind: after[kind] - before[kind] for kind in after} == {
        kind: getattr(TINY, kind) for kind in KINDS.values()
    }
    generated_projects = Project.objects.filter(slug__contains="-g1-")
    countries = set(generated_projects.values_list("country", flat=True))
    countries |= set(
        Organisation.objects.filter(slug__contains="-g1-").values_list("country", flat=True)
    )
    assert 2 <= len(countries) <= TINY.countries
    assert "Rows written" in output and PASSWORD in output


def test_catalogue_looks_like_real_data(generated):
    projects = Project.objects.filter(slug__contains="-g1-")
    # Each project has one lead; many have a partner in another country.
    leads = Count("partnerships", filter=Q(partnerships__role="lead"))
    assert not projects.annotate(leads=leads).exclude(leads=1).exists()
    partnerships = Partnership.objects.filter(project__in=projects)
    assert partnerships.exclude(organisation__country=F("project__country")).exists()
    # Translations: most projects in the three languages, some in one only.
    in_three = projects.exclude(title_fr=None).exclude(title_en=None).exclude(title_es=None)
    assert 0 < in_three.count() < projects.count()
    assert all(1 <= project.themes.count() <= 3 for project in projects)


def test_members_of_every_kind(generated):
    members = Member.objects.filter(email__contains="-g1-")
    assert set(members.values_list("visibility", flat=True)) == set(Visibility.values)
    assert members.with_verified_email().count() > members.count() // 2
    assert Membership.objects.filter(member__in=members, role="representative").exists()
    assert Group.objects.get(name=MODERATORS_GROUP).user_set.filter(pk__in=members).exists()


def test_generated_members_log_in_with_the_documented_password(generated, client):
    _before, output = generated
    example = re.search(r"e\.g\. (\S+@example\.org)", output).group(1)
    member = Member.objects.get(email=example)
    assert member.has_verified_email
    assert client.login(email=example, password=PASSWORD)
    assert not Group.objects.get(name=MODERATORS_GROUP).user_set.filter(pk=member.pk).exists()


def test_topic_counters_are_those_the_forums_keep(generated):
    topics = list(Topic.objects.filter(slug__contains="-g1-"))
    assert Post.objects.filter(topic__in=topics, is_hidden=True).exists()
    for topic in topics:
        visible = Post.objects.filter(topic=topic, is_hidden=False)
        last = visible.order_by("-created", "-id").first()
        assert topic.post_count == visible.count()
        assert topic.last_post_id == last.pk
        assert topic.last_activity == last.created
        # What the forums' own recount finds is what was written.
        kept = (topic.post_count, topic.last_post_id, topic.last_activity)
        refresh_topic(topic)
        assert (topic.post_count, topic.last_post_id, topic.last_activity) == kept


def test_forums_hold_what_moderators_and_members_leave(generated):
    topics = Topic.objects.filter(slug__contains="-g1-")
    hidden = Post.objects.filter(topic__in=topics, is_hidden=True)
    assert all(post.hidden_reason and post.hidden_by_id for post in hidden)
    assert Flag.objects.filter(post__in=hidden, resolved_at__isnull=False).exists()
    assert Flag.objects.filter(post__topic__in=topics, resolved_at__isnull=True).exists()
    ediscussions = topics.filter(kind=TopicKind.EDISCUSSION)
    assert ediscussions.exclude(summary="").exists()  # closed, summarised
    assert any(topic.is_open() for topic in ediscussions)
    # Authors follow what they write in (their profile's default).
    assert Subscription.objects.filter(topic__in=topics).exists()
    # The busiest topic holds many more posts than most.
    sizes = sorted(topics.values_list("post_count", flat=True))
    assert sizes[-1] >= 2 * sizes[len(sizes) // 2]


def test_search_finds_a_generated_project_and_post(generated, client):
    project = Project.objects.filter(slug__contains="-g1-", published=True).first()
    response = client.get("/fr/search/", {"q": project.title, "kind": "projects"})
    assert response.status_code == 200
    links = {a.attrs.get("href") for a in find_all(parse(response), "a")}
    assert project.get_absolute_url() in links

    reply = (
        Post.objects.filter(topic__slug__contains="-g1-", is_hidden=False)
        .exclude(pk__in=Topic.objects.values("last_post"))
        .order_by("-id")
        .first()
    )
    word = max(reply.body.split(), key=len).strip(".,:;!?*()«»\"'")
    found = SearchDocument.objects.filter(vector=text_query(word))
    assert found.filter(object_id=reply.pk, kind="post").exists()
    # Everything public that was generated is in the index; nothing hidden is.
    hidden = Post.objects.filter(topic__slug__contains="-g1-", is_hidden=True)
    assert not SearchDocument.objects.filter(
        kind="post", object_id__in=hidden.values("pk")
    ).exists()


def test_pages_render_with_generated_data(generated, client):
    topic = Topic.objects.filter(slug__contains="-g1-").order_by("-post_count").first()
    member = Member.objects.filter(email__contains="-g1-").with_verified_email().first()
    for url in [
        "/fr/",
        "/fr/projects/",
        "/en/projects/?country=MA",
        topic.get_absolute_url(),
        f"{topic.get_absolute_url()}?page=2",
        "/fr/network/members/",
        "/es/network/organisations/",
        "/fr/blog/",
        "/fr/news/",
    ]:
        assert client.get(url).status_code == 200, url
    client.force_login(member)
    assert client.get("/fr/network/members/").status_code == 200


def test_running_twice_adds_again(generated):
    before = counts()
    output = generate(**TINY_OPTIONS, seed=1)
    assert "-g2-" in output
    after = counts()
    assert {kind: after[kind] - before[kind] for kind in after} == {
        kind: getattr(TINY, kind) for kind in KINDS.values()
    }
    # The same seed writes the same content (under slugs of its own).
    first = list(
        Project.objects.filter(slug__contains="-g1-").order_by("pk").values_list("title_en")
    )
    second = list(
        Project.objects.filter(slug__contains="-g2-").order_by("pk").values_list("title_en")
    )
    assert first == second


def test_scale_multiplies_the_default_counts(seed):
    before = counts()
    generate(scale=0.002, seed=3)
    after = counts()
    assert after["projects"] - before["projects"] == 20
    assert after["posts"] - before["posts"] == 200
    assert after["topics"] - before["topics"] == 4


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scale": 0}, "--scale"),
        ({"posts": 3, "topics": 5}, "--posts (3) must be at least --topics (5)"),
        ({"countries": 500}, "--countries is between 1 and"),
        ({"members": -1}, "cannot be negative"),
    ],
)
def test_bad_options_are_refused_clearly(seed, options, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        generate(**{**TINY_OPTIONS, **options})
    assert not Project.objects.filter(slug__contains="-g1-").exists()


def test_needs_the_seed(db):
    with pytest.raises(CommandError, match="load the seed first"):
        generate(**TINY_OPTIONS)
