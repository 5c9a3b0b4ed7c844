"""The index follows changes off the request path: saving content schedules one background
task per transaction, after commit; the task reads rows fresh and may run twice; a rebuild
works in short batches and never makes anyone who saves something wait; what becomes
public through staff verification or an IATI import is found."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from blogs.models import BlogPost, BlogPostStatus
from forums.models import Forum, Post, Topic
from network.models import Membership, MembershipRole
from projects.models import Organisation, Project
from search import indexing
from search.models import SearchDocument
from search.tasks import reindex
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    PhaseFactory,
    ProjectFactory,
    StaffFactory,
    verify,
)
from tests.html import find_all, parse, text

CLAIMS = "/admin/network/representativeclaim/"
ADMIN_IMPORT = "/admin/projects/project/import-iati/"


def found(client, words, language="fr") -> list[str]:
    """The titles a visitor finds for ``words``."""
    response = client.get(f"/{language}/search/", {"q": words})
    assert response.status_code == 200
    return [
        text(find_all(item, "a")[0]) for item in find_all(parse(response), "li", "search-result")
    ]


def waiting_tasks() -> int:
    """Indexing tasks enqueued and not yet run."""
    return DBTaskResult.objects.ready().filter(task_path="search.tasks.reindex").count()


@pytest.fixture
def forum(db):
    return Forum.objects.create(name="Débats", slug="debates")


@pytest.fixture
def topic(forum):
    author = MemberFactory()
    topic = Topic.objects.create(forum=forum, title="Les oasis", slug="oasis", author=author)
    Post.objects.create(topic=topic, author=author, body="Premier message.")
    return topic


# After commit, in the background


def test_one_task_per_transaction_whatever_it_changed(client, topic, run_tasks):
    run_tasks()
    with transaction.atomic():
        ProjectFactory(title="Palmeraie de Figuig")
        OrganisationFactory(name="Coopérative de la palmeraie", verified=True)
        for number in range(5):
            Post.objects.create(topic=topic, author=topic.author, body=f"Palmeraie {number}.")
        topic.title = "Les palmeraies"
        topic.save()
    run_tasks.commit()
    assert waiting_tasks() == 1

    ProjectFactory(title="Palmeraie de Tata")
    run_tasks.commit()
    assert waiting_tasks() == 2

    # A transaction rolled back schedules nothing.
    with pytest.raises(RuntimeError), transaction.atomic():
        ProjectFactory(title="Palmeraie annulée")
        raise RuntimeError
    run_tasks.commit()
    assert waiting_tasks() == 2

    run_tasks()
    assert set(found(client, "palmeraie")) == {
        "Palmeraie de Figuig",
        "Palmeraie de Tata",
        "Coopérative de la palmeraie",
        "Les palmeraies",  # the topic and its replies, under its new title
    }
    assert found(client, "oasis") == []


def test_the_worker_indexes_what_is_true_when_it_runs(client, topic, run_tasks):
    """Saving writes nothing to the index; the worker does, after the commit, reading
    the rows as they are then: a reply hidden, a blog post or a project unpublished
    before it ran are not found."""
    run_tasks()
    author = topic.author
    reply = Post.objects.create(topic=topic, author=author, body="La palmeraie de Figuig.")
    blog_post = BlogPost.objects.create(
        author=author,
        title="Palmeraie publiée",
        slug="palmeraie",
        body="Texte.",
        status=BlogPostStatus.PUBLISHED,
        published_at=topic.created,
    )
    project = ProjectFactory(title="Palmeraie publiée")

    # The transactions that saved them wrote nothing to the index...
    assert not SearchDocument.objects.filter(kind__in=["post", "blog", "project"]).exists()
    assert found(client, "palmeraie") == []
    # ...the worker does, once they have committed.
    run_tasks()
    assert sorted(found(client, "palmeraie")) == ["Les oasis"] + ["Palmeraie publiée"] * 2

    # Edited (their tasks are enqueued), then, before the worker runs, hidden, unpublished
    # and withdrawn by writes it is not told about: it indexes what it reads when it runs.
    reply.body = "Une palmeraie cachée."
    reply.save()
    blog_post.title = "Palmeraie retirée"
    blog_post.save()
    project.title = "Palmeraie dépubliée"
    project.save()
    run_tasks.commit()
    Post.objects.filter(pk=reply.pk).update(is_hidden=True)
    BlogPost.objects.filter(pk=blog_post.pk).update(status=BlogPostStatus.DRAFT)
    Project.objects.filter(pk=project.pk).update(published=False)
    run_tasks()

    assert found(client, "palmeraie") == []
    assert not SearchDocument.objects.filter(kind__in=["post", "blog", "project"]).exists()


def test_running_the_task_again_changes_nothing(client, topic, run_tasks):
    project = ProjectFactory(title="Palmeraie de Figuig")
    reply = Post.objects.create(topic=topic, author=topic.author, body="Palmeraie.")
    run_tasks()
    index = list(SearchDocument.objects.order_by("pk").values())

    reindex.enqueue(
        changed={"projects.project": [project.pk], "forums.post": [reply.pk]}, documents={}
    )
    run_tasks()

    assert list(SearchDocument.objects.order_by("pk").values()) == index
    assert found(client, "palmeraie") == ["Palmeraie de Figuig", "Les oasis"]


def test_a_bulk_update_is_indexed_when_its_writer_says_so(client, run_tasks):
    """``QuerySet.update()`` sends no signal: writers send ``rows_changed``."""
    from common.signals import rows_changed

    project = ProjectFactory(title="Palmeraie de Figuig")
    run_tasks()
    Project.objects.filter(pk=project.pk).update(title_fr="Oasis de Tata")
    rows_changed.send(sender=Project, ids=[project.pk])
    run_tasks()
    assert found(client, "oasis") == ["Oasis de Tata"]


# Rebuilding


def test_rebuild_in_small_batches_writes_everything_and_removes_what_is_not_public(
    client, run_tasks
):
    for number in range(5):
        ProjectFactory(title=f"Palmeraie {number}", slug=f"palmeraie-{number}")
    run_tasks()
    # Changes the worker never heard of (made in SQL).
    Project.objects.filter(slug="palmeraie-0").update(published=False)
    Project.objects.filter(slug="palmeraie-1").update(title_fr="Oasis 1")
    SearchDocument.objects.filter(kind="project").order_by("pk").last().delete()

    report = indexing.rebuild(batch_size=2)

    assert report[str(Project._meta.verbose_name_plural)] == 4
    assert sorted(found(client, "palmeraie")) == ["Palmeraie 2", "Palmeraie 3", "Palmeraie 4"]
    assert found(client, "oasis") == ["Oasis 1"]
    assert SearchDocument.objects.filter(kind="project").count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_never_makes_a_member_posting_wait(client, run_tasks):
    """While a rebuild holds one of its batches open (the very document of the post being
    edited), a member editing a post and another replying, in their own transactions,
    commit at once."""
    author = MemberFactory()
    forum = Forum.objects.create(name="Débats", slug="debates")
    topic = Topic.objects.create(forum=forum, title="Les oasis", slug="oasis", author=author)
    first = Post.objects.create(topic=topic, author=author, body="Premier message.")
    reply = Post.objects.create(topic=topic, author=author, body="Une réponse.")
    run_tasks()

    holding, release = threading.Event(), threading.Event()
    failures = []

    def hold_a_batch_of_replies(model, count):
        if model is Post and not holding.is_set():
            holding.set()
            release.wait(30)

    def rebuild():
        try:
            indexing.rebuild(batch_size=1, on_batch=hold_a_batch_of_replies)
        except Exception as error:  # reported by the test below
            failures.append(error)
        finally:
            connection.close()

    rebuilding = threading.Thread(target=rebuild)
    rebuilding.start()
    try:
        assert holding.wait(30), failures
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            reply.body = "La palmeraie de Figuig."
            reply.save()
            Post.objects.create(topic=topic, author=author, body="Les jardins de la palmeraie.")
        waited = time.monotonic() - started
        assert waited < 1, f"a post waited {waited:.1f} s for the rebuild"
        assert rebuilding.is_alive()  # the rebuild still holds its batch
    finally:
        release.set()
        rebuilding.join(60)
    assert not failures

    run_tasks()
    assert found(client, "palmeraie") == ["Les oasis", "Les oasis"]
    assert first.pk and found(client, "premier") == ["Les oasis"]


# What becomes public


@pytest.fixture
def proposed(db):
    """An organisation proposed by a newcomer (who confirmed their address), not yet
    verified: not public."""
    organisation = OrganisationFactory(name="Coopérative Tamaynut", verified=False)
    claim = Membership.objects.create(
        member=verify(MemberFactory()),
        organisation=organisation,
        role=MembershipRole.REPRESENTATIVE,
    )
    return claim


def test_an_organisation_verified_by_staff_is_found(client, proposed, run_tasks):
    run_tasks()
    assert found(client, "tamaynut") == []
    staff = StaffFactory()
    client.force_login(staff)

    response = client.post(
        CLAIMS, {"action": "approve_claims", "_selected_action": [proposed.pk], "index": 0}
    )

    assert response.status_code == 302
    client.logout()
    run_tasks()
    assert found(client, "tamaynut") == ["Coopérative Tamaynut"]


IATI_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2024-05-01T10:00:00Z">
  <iati-activity default-currency="EUR" xml:lang="fr">
    <iati-identifier>GB-CHC-1-001</iati-identifier>
    <reporting-org ref="GB-CHC-1" type="21"><narrative>Une fondation</narrative></reporting-org>
    <title><narrative>Jardins de Podor</narrative></title>
    <description type="1"><narrative>Des jardins maraîchers.</narrative></description>
    <participating-org role="4" ref="XM-OCHA-1" type="22">
      <narrative>Association Kayes Solidarité</narrative>
    </participating-org>
    <participating-org role="4" type="21">
      <narrative>Coopérative Tamaynut</narrative>
    </participating-org>
    <activity-status code="2"/>
    <activity-date type="2" iso-date="2014-02-01"/>
    <activity-date type="3" iso-date="2015-07-31"/>
    <recipient-country code="SN"/>
    <budget type="1">
      <period-start iso-date="2014-01-01"/><period-end iso-date="2014-12-31"/>
      <value value-date="2014-01-01">50000</value>
    </budget>
  </iati-activity>
</iati-activities>
"""


def test_organisations_and_partners_from_an_iati_import_are_found(client, proposed, run_tasks):
    """The import creates a project and its organisations, public (one that bears a
    proposed organisation's name is a new one: the proposal stays unlisted)."""
    PhaseFactory()
    run_tasks()
    staff = StaffFactory()
    client.force_login(staff)
    upload = SimpleUploadedFile("activities.xml", IATI_FILE.encode(), "application/xml")

    response = client.post(ADMIN_IMPORT, {"file": upload}, follow=True)

    assert response.status_code == 200
    assert response.content.decode().count('class="outcome-created"') == 1
    assert Organisation.objects.filter(name="Association Kayes Solidarité").exists()
    client.logout()
    run_tasks()
    assert found(client, "kayes") == ["Jardins de Podor", "Association Kayes Solidarité"]
    assert found(client, "tamaynut") == ["Jardins de Podor", "Coopérative Tamaynut"]
