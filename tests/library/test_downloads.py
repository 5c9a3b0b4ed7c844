"""Downloads of the library's files: saved by the browser (never shown as a page of the site),
of the type the content says, counted; a file of a resource not published is for the member
who shared it and for staff alone."""

import pytest
from django.urls import reverse

from library.models import ResourceFile, ReviewStatus
from library.uploads import store_file
from tests.factories import MemberFactory, ResourceFactory
from tests.library import files


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


PDF = files.pdf_bytes(["Rapport annuel 2014"])


def shared_file(*, status=ReviewStatus.PUBLISHED, shared_by=None, name="Rapport final é.pdf"):
    resource = ResourceFactory(status=status, shared_by=shared_by)
    return store_file(resource=resource, language="fr", uploaded=files.upload(name, PDF))


def download_url(resource_file) -> str:
    return reverse("library:download", kwargs={"pk": resource_file.pk})


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def downloads(resource_file) -> int:
    return ResourceFile.objects.get(pk=resource_file.pk).downloads


@pytest.mark.django_db
def test_a_published_file_is_sent_as_an_attachment_of_its_real_type_and_counted(client, media):
    resource_file = shared_file(name="Rapport final é.exe")

    response = client.get(download_url(resource_file))

    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Rapport%20final%20%C3%A9.pdf" in disposition
    assert response["Content-Length"] == str(len(PDF))
    assert "sandbox" in response["Content-Security-Policy"]
    assert downloads(resource_file) == 1

    client.get(download_url(resource_file))
    assert downloads(resource_file) == 2


@pytest.mark.django_db
def test_a_download_costs_a_read_and_one_update(client, media, django_assert_num_queries):
    resource_file = shared_file()

    with django_assert_num_queries(2) as queries:
        body(client.get(download_url(resource_file)))

    update = queries.captured_queries[-1]["sql"]
    assert update.startswith("UPDATE") and '"downloads" + 1' in update


@pytest.mark.django_db
def test_a_head_request_is_not_a_download(client, media):
    resource_file = shared_file()

    response = client.head(download_url(resource_file))

    assert response.status_code == 200
    assert downloads(resource_file) == 0
    assert client.post(download_url(resource_file)).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ReviewStatus.PENDING, ReviewStatus.REFUSED])
def test_a_file_not_published_is_for_its_sharer_and_staff_alone(client, media, staff, status):
    sharer = MemberFactory()
    resource_file = shared_file(status=status, shared_by=sharer)
    url = download_url(resource_file)

    assert client.get(url).status_code == 404  # anonymous
    client.force_login(MemberFactory())
    assert client.get(url).status_code == 404  # another member
    client.force_login(sharer)
    response = client.get(url)
    assert response.status_code == 200 and body(response) == PDF
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(staff)
    assert client.get(url).status_code == 200
    # Looking at a submission is no download.
    assert downloads(resource_file) == 0


@pytest.mark.django_db
def test_an_unknown_or_lost_file_is_not_found_never_an_error(client, media):
    resource_file = shared_file()
    (media / resource_file.file.name).unlink()

    assert client.get(download_url(resource_file)).status_code == 404
    assert client.get(reverse("library:download", kwargs={"pk": 999_999})).status_code == 404
    assert downloads(resource_file) == 0
