"""The pages of sharing, reviewing and following run a fixed number of SQL queries, however
many submissions, themes or follows there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.models import LibraryFollow, Resource, ResourceFile, ReviewStatus
from tests.factories import ResourceFactory, StaffFactory, ThemeFactory, verified_member

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 60


def add_submissions(member, count: int, themes) -> None:
    """``count`` resources shared by ``member``, waiting, each with a file and two
    themes."""
    resources = Resource.objects.bulk_create(
        ResourceFactory.build_batch(
            count, shared_by=member, status=ReviewStatus.PENDING, published_at=None, url=""
        )
    )
    ResourceFile.objects.bulk_create(
        ResourceFile(
            resource=resource,
            language="fr",
            file=f"library/test/{resource.pk}.pdf",
            original_name=f"{resource.pk}.pdf",
            content_type="application/pdf",
            size=1000,
        )
        for resource in resources
    )
    Through = Resource.themes.through
    Through.objects.bulk_create(
        Through(resource=resource, theme=theme) for resource in resources for theme in themes[:2]
    )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def counts(client, url: str, grow) -> tuple[int, int]:
    grow(SMALL)
    queries(client, url)  # what is read once per process (content types) read before
    small = queries(client, url)
    grow(LARGE - SMALL)
    return small, queries(client, url)


def test_my_submissions(client):
    member = verified_member()
    themes = ThemeFactory.create_batch(3)
    client.force_login(member)

    small, large = counts(
        client, "/fr/library/share/mine/", lambda n: add_submissions(member, n, themes)
    )

    assert small == large


def test_the_share_form(client):
    client.force_login(verified_member())

    small, large = counts(client, "/fr/library/share/", ThemeFactory.create_batch)

    assert small == large


def test_the_review_queue(client):
    client.force_login(StaffFactory())
    themes = ThemeFactory.create_batch(3)

    small, large = counts(
        client,
        "/admin/library/resourcesubmission/",
        lambda n: [add_submissions(verified_member(), 1, themes) for _ in range(n)],
    )

    assert small == large


def test_a_submission_in_the_queue(client):
    client.force_login(StaffFactory())
    member = verified_member()
    themes = ThemeFactory.create_batch(3)
    add_submissions(member, 1, themes)
    resource = Resource.objects.get()

    def grow(n):
        ThemeFactory.create_batch(n)
        add_submissions(member, n, themes)

    small, large = counts(client, f"/admin/library/resourcesubmission/{resource.pk}/change/", grow)

    assert small == large


def test_the_members_page_and_the_list_with_its_follow_button(client):
    member = verified_member()
    client.force_login(member)
    themes = []

    def follow_more(n):
        new = ThemeFactory.create_batch(n)
        themes.extend(new)
        LibraryFollow.objects.bulk_create(LibraryFollow(member=member, theme=t) for t in new)

    small, large = counts(client, member.get_absolute_url(), follow_more)
    assert small == large

    url = f"/fr/library/?theme={themes[0].slug}"
    with_button = queries(client, url)
    follow_more(LARGE)
    assert queries(client, url) == with_button
