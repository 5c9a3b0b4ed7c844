"""IATI imports that do not hold the site: the upload's size is limited, a large file is
imported by the worker in batches (each committed on its own, the progress on the import's
page), a file with an invalid activity anywhere changes nothing, an import that a dying
worker left half-done goes on where it stopped, and pending proposals are never adopted."""

import re
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.db.models.signals import post_save
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects.iati import importer, jobs
from projects.models import (
    IATIImport,
    IATIImportActivity,
    IATIImportStatus,
    Organisation,
    Partnership,
    Project,
)
from projects.tasks import run_iati_import
from tests.factories import MemberFactory, OrganisationFactory, PhaseFactory, ProjectFactory
from tests.html import find, find_all, parse, text

pytestmark = pytest.mark.django_db

ADMIN_IMPORT = "/admin/projects/project/import-iati/"
# Lines of one activity below; the file's first activity starts on line 3.
ACTIVITY = """  <iati-activity default-currency="EUR" xml:lang="fr">
    <iati-identifier>X-JOB-{n}</iati-identifier>
    {reporting_org}
    <title><narrative>Projet {n}</narrative><narrative xml:lang="en">Project {n}</narrative></title>
    <description type="1"><narrative>Jardins maraîchers, tranche {n}.</narrative></description>
    <participating-org role="4" type="22"><narrative>{organisation}</narrative></participating-org>
    <activity-status code="2"/>
    <activity-date type="2" iso-date="2014-02-01"/>
    <activity-date type="3" iso-date="2015-07-31"/>
    <recipient-country code="SN"/>
    <budget type="1">
      <period-start iso-date="2014-01-01"/><period-end iso-date="2014-12-31"/>
      <value value-date="2014-01-01">{amount}</value>
    </budget>
  </iati-activity>
"""
REPORTING_ORG = (
    '<reporting-org ref="GB-CHC-1" type="21"><narrative>Une fondation</narrative></reporting-org>'
)


def activities_file(count: int, *, invalid_last=False, organisation=None) -> bytes:
    """``count`` activities X-JOB-1… (five organisations between them), the last one
    without its reporting-org (which the schema requires) if ``invalid_last``."""
    activities = "".join(
        ACTIVITY.format(
            n=n,
            reporting_org="" if invalid_last and n == count else REPORTING_ORG,
            organisation=organisation or f"Association des jardiniers {n % 5}",
            amount=1000 + n,
        )
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n'
        f"{activities}</iati-activities>\n"
    ).encode()


def upload(content: bytes, name="activities.xml"):
    return SimpleUploadedFile(name, content, content_type="application/xml")


def imported() -> list[str]:
    return list(
        Project.objects.filter(iati_identifier__startswith="X-JOB-")
        .order_by("pk")
        .values_list("iati_identifier", flat=True)
    )


def database_state() -> dict:
    return {
        "projects": list(Project.objects.order_by("pk").values()),
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "partnerships": list(Partnership.objects.order_by("pk").values()),
        "project history": Project.history.count(),
    }


def kept_files(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def reloads_itself(page) -> bool:
    return any(meta.attrs.get("http-equiv") == "refresh" for meta in find_all(page, "meta"))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def phase(db):
    return PhaseFactory()


@pytest.fixture
def by_the_worker(monkeypatch):
    """Every file goes to the worker, whose runs apply 10 activities per batch."""
    monkeypatch.setattr(jobs, "RUN_AT_ONCE_MAX_BYTES", 0)
    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    monkeypatch.setattr(importer, "BATCH_SECONDS", 3600)  # however slow the machine


# --- the upload ----------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_with_a_message_and_nothing_kept(
    staff_client, phase, settings, media_root
):
    settings.IATI_IMPORT_MAX_BYTES = 4096
    document = activities_file(5)
    assert len(document) > 4096

    response = staff_client.post(ADMIN_IMPORT, {"file": upload(document)})

    assert response.status_code == 400
    page = parse(response)
    message = text(find(page, "ul", "errorlist"))
    assert filesizeformat(4096) in message
    assert filesizeformat(len(document)) in message
    assert filesizeformat(4096) in text(find(page, "div", "help"))  # said before, too
    assert not IATIImport.objects.exists()
    assert kept_files(media_root) == []
    assert imported() == []


# --- a large file, by the worker -----------------------------------------------------------


def test_a_large_file_is_imported_by_the_worker_a_batch_at_a_time_with_its_progress(
    staff_client, staff, phase, by_the_worker, monkeypatch, run_tasks, media_root
):
    monkeypatch.setattr(jobs, "TIME_SLICE", 0)  # each run: one batch, then a next run
    response = staff_client.post(ADMIN_IMPORT, {"file": upload(activities_file(35))})

    # The request imports nothing: the import's page says it waits for the worker.
    assert response.status_code == 303
    url = response["Location"]
    page = parse(staff_client.get(url))
    assert reloads_itself(page)
    assert imported() == []
    iati_import = IATIImport.objects.get()
    assert (iati_import.status, iati_import.created_by) == (IATIImportStatus.QUEUED, staff)

    run_iati_import.call(iati_import.pk)  # one run of the worker: the file checked, a batch

    page = parse(staff_client.get(url))
    assert reloads_itself(page)
    progress = find(page, "progress", "import-progress")
    assert (progress.attrs["value"], progress.attrs["max"]) == ("10", "35")
    assert "10" in text(find(page, "p", "import-status"))
    assert len(find_all(page, "tr", "outcome-created")) == 10
    assert imported() == [f"X-JOB-{n}" for n in range(1, 11)]

    run_tasks()  # the worker goes on, a batch per run

    page = parse(staff_client.get(url))
    assert not reloads_itself(page)
    assert find_all(page, "progress") == []
    assert len(find_all(page, "tr", "outcome-created")) == 35
    iati_import.refresh_from_db()
    assert (iati_import.status, iati_import.processed, iati_import.total) == ("done", 35, 35)
    assert imported() == [f"X-JOB-{n}" for n in range(1, 36)]  # each once
    assert Organisation.objects.filter(name__startswith="Association des jardiniers").count() == 5
    assert Project.objects.get(iati_identifier="X-JOB-35").history.first().history_user == staff
    assert kept_files(media_root) == []  # the file is not kept once imported
    html = staff_client.get(ADMIN_IMPORT).content.decode()
    assert f'href="{url}"' in html  # listed with the imports


@pytest.mark.django_db(transaction=True)
def test_staff_edit_a_project_the_import_has_done_while_it_goes_on(monkeypatch):
    """Each batch is committed on its own: what the import did is on the site at once, and a
    project it changed can be saved by staff without waiting for the whole file."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 10, raising=False)
    monkeypatch.setattr(importer, "BATCH_SECONDS", 3600, raising=False)
    PhaseFactory()
    edited = ProjectFactory(iati_identifier="X-JOB-1", title="Ancien titre")
    seen = {}

    def staff_save():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '3s'")
                project = Project.objects.get(pk=edited.pk)
                project.locality = "Podor"
                project.save()
            seen["saved"] = True
        except OperationalError:  # still locked by the import
            seen["saved"] = False
        seen["on the site"] = len(imported())
        connection.close()

    def while_importing(sender, instance, **kwargs):
        if instance.iati_identifier == "X-JOB-15":  # in the second batch
            other = threading.Thread(target=staff_save)
            other.start()
            other.join()

    post_save.connect(while_importing, sender=Project)
    try:
        report = importer.import_activities(activities_file(30))
    finally:
        post_save.disconnect(while_importing, sender=Project)

    assert seen == {"saved": True, "on the site": 10}
    assert report.count("updated") == 1
    edited.refresh_from_db()
    assert (edited.title, edited.locality) == ("Projet 1", "Podor")


def test_a_large_file_whose_last_activity_is_invalid_changes_nothing(
    staff_client, phase, run_tasks, media_root
):
    document = activities_file(2000, invalid_last=True)
    assert len(document) > jobs.RUN_AT_ONCE_MAX_BYTES
    last_title_line = (
        document.decode()
        .splitlines()
        .index(
            "    <title><narrative>Projet 2000</narrative>"
            '<narrative xml:lang="en">Project 2000</narrative></title>'
        )
        + 1
    )
    state = database_state()

    response = staff_client.post(ADMIN_IMPORT, {"file": upload(document)})
    run_tasks()

    assert database_state() == state
    page = parse(staff_client.get(response["Location"]))
    errors = [text(item) for item in find_all(find(page, "ul", "import-errors"), "li")]
    assert len(errors) == 1
    assert re.search(r"\d+", errors[0])[0] == str(last_title_line)
    assert "reporting-org" in errors[0]
    assert not reloads_itself(page)
    assert IATIImport.objects.get().status == IATIImportStatus.FAILED
    assert kept_files(media_root) == []


def test_an_import_left_half_done_by_a_dying_worker_goes_on_where_it_stopped(
    staff_client, phase, by_the_worker, run_tasks
):
    class WorkerKilled(BaseException):
        """The worker process killed in the middle of a batch."""

    staff_client.post(ADMIN_IMPORT, {"file": upload(activities_file(35))})
    iati_import = IATIImport.objects.get()

    def die(sender, instance, **kwargs):
        if instance.iati_identifier == "X-JOB-15":
            raise WorkerKilled

    post_save.connect(die, sender=Project)
    try:
        with pytest.raises(WorkerKilled):
            run_iati_import.call(iati_import.pk)
    finally:
        post_save.disconnect(die, sender=Project)

    # The batch under way was rolled back; the one before stays, with its report.
    iati_import.refresh_from_db()
    assert (iati_import.status, iati_import.processed) == (IATIImportStatus.IMPORTING, 10)
    assert imported() == [f"X-JOB-{n}" for n in range(1, 11)]

    run_tasks()  # the worker, started again, runs the import's task

    iati_import.refresh_from_db()
    assert (iati_import.status, iati_import.processed) == (IATIImportStatus.DONE, 35)
    assert imported() == [f"X-JOB-{n}" for n in range(1, 36)]
    positions = list(iati_import.activities.values_list("position", "outcome"))
    assert positions == [(n, "created") for n in range(1, 36)]


def test_a_check_only_in_batches_saves_nothing_and_reports_each_activity(
    staff_client, phase, by_the_worker, run_tasks
):
    state = database_state()

    response = staff_client.post(
        ADMIN_IMPORT, {"file": upload(activities_file(25)), "dry_run": "on"}
    )
    run_tasks()

    assert database_state() == state
    page = parse(staff_client.get(response["Location"]))
    rows = find_all(page, "tr", "outcome-created")
    assert len(rows) == 25
    assert all(find_all(row, "a") == [] for row in rows)  # no project to link to


def test_the_import_page_shows_its_activities_in_fixed_queries(
    staff_client, phase, django_assert_num_queries
):
    small = staff_client.post(ADMIN_IMPORT, {"file": upload(activities_file(3))})
    large = staff_client.post(ADMIN_IMPORT, {"file": upload(activities_file(40))})
    staff_client.get(small["Location"])  # what is read once per session, read

    with CaptureQueriesContext(connection) as small_queries:
        staff_client.get(small["Location"])
    with django_assert_num_queries(len(small_queries)):
        page = parse(staff_client.get(large["Location"]))
    assert len(find_all(find(page, "table", "import-report"), "tr")) == 1 + 40

    skipped = parse(staff_client.get(large["Location"] + "?outcome=skipped"))
    assert find_all(skipped, "tr", "outcome-created") == []


# --- who may see an import -----------------------------------------------------------------


def test_an_imports_page_is_for_staff_allowed_to_import(client, staff_client, phase):
    response = staff_client.post(ADMIN_IMPORT, {"file": upload(activities_file(2))})
    url = response["Location"]
    assert staff_client.get(url).status_code == 200

    visitors = {"anonymous": Client(), "member": Client(), "staff without rights": Client()}
    visitors["member"].force_login(MemberFactory())
    visitors["staff without rights"].force_login(MemberFactory(is_staff=True))
    for name, visitor in visitors.items():
        for page in [url, ADMIN_IMPORT]:
            response = visitor.get(page)
            if name == "staff without rights":
                assert response.status_code == 403, name
            else:
                assert response.status_code == 302, name
                assert response["Location"].startswith("/admin/login/"), name


# --- pending proposals ---------------------------------------------------------------------


def test_an_import_never_adopts_a_pending_proposal(staff_client, phase):
    proposal = OrganisationFactory(
        name="Coopérative Tamaynut",
        slug="cooperative-tamaynut-4f2a",
        verified=False,
        description="Texte de celui qui a proposé ce nom.",
        website="https://tamaynut.example",
    )
    before = Organisation.objects.filter(pk=proposal.pk).values().get()

    response = staff_client.post(
        ADMIN_IMPORT,
        {"file": upload(activities_file(1, organisation="cooperative tamaynut"))},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    partner = Project.objects.get(iati_identifier="X-JOB-1").partnerships.get().organisation
    assert partner != proposal
    assert (partner.name, partner.verified, partner.description, partner.website) == (
        "cooperative tamaynut",
        True,
        "",
        "",
    )
    assert Organisation.objects.listed().filter(pk=partner.pk).exists()
    assert Organisation.objects.filter(pk=proposal.pk).values().get() == before
    assert not Organisation.objects.listed().filter(pk=proposal.pk).exists()
    details = text(find_all(find(parse(response), "tr", "outcome-created"), "td")[-1])
    assert "An organisation that is not listed (a pending proposal" in details
    assert IATIImportActivity.objects.get().notes[-1].endswith("decide it in the admin.")


def test_a_double_click_on_import_starts_one_import(staff_client, phase, by_the_worker):
    form = parse(staff_client.get(ADMIN_IMPORT))
    token = find(form, "input", name="submission").attrs["value"]
    document = activities_file(3)

    first = staff_client.post(ADMIN_IMPORT, {"file": upload(document), "submission": token})
    second = staff_client.post(ADMIN_IMPORT, {"file": upload(document), "submission": token})

    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert IATIImport.objects.count() == 1
