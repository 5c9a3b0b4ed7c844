"""What the library holds about a member in their data export (what they shared and what
became of it, what they follow, the events they attend), and what goes with them once they
leave: follows, attendances and submissions never published (with their files); published
resources stay, shared by "Former member"."""

import json

import pytest

from library import services
from library.models import Attendance, LibraryFollow, Resource, ResourceFile, ReviewStatus
from network.accounts import delete_account
from tests.factories import EventFactory, StaffFactory, ThemeFactory, verified_member
from tests.html import parse, text
from tests.library import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def share(member, title, *, file=False) -> Resource:
    data = {"language": "fr", "title": title, "kind": "report", "licence": "unknown"}
    if file:
        upload = files.upload(f"{title}.pdf", files.pdf_bytes([title]))
        return services.submit_resource(member=member, data=data, files={"fr": upload})
    return services.submit_resource(
        member=member, data={**data, "url": "https://example.org/r"}, files={}
    )


@pytest.fixture
def leaving(media):
    member = verified_member(name="Awa Leaving")
    staff = StaffFactory()
    published = share(member, "Publié")
    services.publish_resource(resource=published, by=staff)
    refused = share(member, "Refusé", file=True)
    services.refuse_resource(resource=refused, by=staff, reason="Hors sujet.")
    share(member, "En attente", file=True)
    services.follow(member=member, theme=ThemeFactory(name="Santé"))
    services.follow(member=member, country="SN")
    Attendance.objects.create(member=member, event=EventFactory(title="Webinaire"))
    return member


def test_the_export_holds_what_the_member_shared_follows_and_attends(client, leaving):
    client.force_login(leaving)

    data = json.loads(client.get("/fr/network/me/export/").content)["library"]

    shared = [(r["title"], r["status"], r["refusal_reason"]) for r in data["shared_resources"]]
    assert shared == [
        ("Publié", "published", ""),
        ("Refusé", "refused", "Hors sujet."),
        ("En attente", "pending", ""),
    ]
    assert data["shared_resources"][1]["files"][0]["name"] == "Refusé.pdf"
    assert [follow.get("country") or follow.get("theme") for follow in data["follows"]] == [
        "Santé",
        "SN",
    ]
    assert [attendance["event"] for attendance in data["attendances"]] == ["Webinaire"]


def test_leaving_removes_follows_attendances_and_unpublished_submissions_with_their_files(
    client, leaving, media, django_capture_on_commit_callbacks
):
    assert len([path for path in media.rglob("*") if path.is_file()]) == 2

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(leaving)

    assert not LibraryFollow.objects.filter(member=leaving).exists()
    assert not Attendance.objects.filter(member=leaving).exists()
    assert list(Resource.objects.values_list("title", "status")) == [
        ("Publié", ReviewStatus.PUBLISHED)
    ]
    assert not ResourceFile.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]
    # The published one stays, shared by a former member.
    published = Resource.objects.get()
    assert published.shared_by_id == leaving.pk
    page = text(parse(client.get(published.get_absolute_url())))
    assert "Awa Leaving" not in page
