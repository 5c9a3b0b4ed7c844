"""Members share resources with the library; staff review them in the admin's queue.

Each actor sees what the rules let them: a visitor is sent to log in, a member who has not
confirmed their address is told to, a verified member shares (a file or a link, never both
nor neither) and sees where each submission stands, staff publish or refuse with a reason,
and the member is told by email, in their language. Interface strings are compared with
what gettext gives (French, the site's default here)."""

import uuid

import pytest
from django.test import override_settings
from django.urls import reverse

from common.models import OutgoingEmail
from library import services
from library.models import Resource, ResourceFile, ResourceSubmission, ReviewStatus
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    ResourceFactory,
    StaffFactory,
    ThemeFactory,
    verified_member,
)
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr
from tests.library import files

pytestmark = pytest.mark.django_db

QUEUE = "/admin/library/resourcesubmission/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()]


def share_url() -> str:
    return reverse("library:share")


def link_data(**changes) -> dict:
    data = {
        "submission": str(uuid.uuid4()),
        "language": "en",
        "title": "A guide for local authorities",
        "summary": "How municipalities work with their diaspora.",
        "kind": "toolkit",
        "languages": ["en"],
        "authors": "Ana Pérez, Awa Diop",
        "publisher": "",
        "year": "2014",
        "countries": ["SN", "ML"],
        "licence": "cc-by",
        "url": "https://example.org/guide",
        "file_language": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def errors_of(response) -> str:
    page = parse(response)
    return " ".join(
        text(node)
        for cls in ("errorlist", "form-errors", "notice")
        for node in find_all(page, "*", cls)
    )


def submit(member, **changes) -> Resource:
    data, file_map = link_data(**changes), {}
    data.pop("submission")
    return services.submit_resource(
        member=member,
        data={
            **data,
            "publisher": None,
            "publisher_name": "",
            "themes": [],
            "year": 2014,
        },
        files=file_map,
    )


# --- The form, per actor ----------------------------------------------------------------------


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(share_url())

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.post(share_url(), link_data()).status_code == 302
    assert not Resource.objects.exists()


def test_a_member_who_has_not_confirmed_their_address_is_told_to(client):
    client.force_login(MemberFactory())

    response = client.get(share_url())

    assert response.status_code == 403
    assert str(services.VERIFY_FIRST) in text(parse(response))
    assert client.post(share_url(), link_data()).status_code == 403
    assert not Resource.objects.exists()


def test_a_verified_member_shares_a_link_which_waits_for_review(client):
    member = verified_member(name="Awa Diop")
    theme = ThemeFactory()
    client.force_login(member)
    page = client.get(share_url())
    assert page.status_code == 200
    assert find(parse(page), "form", id="share-resource-form").attrs["enctype"] == (
        "multipart/form-data"
    )

    response = client.post(share_url(), link_data(themes=[str(theme.pk)]))

    resource = Resource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('library:my_submissions')}#resource-{resource.pk}"
    assert resource.status == ReviewStatus.PENDING and resource.shared_by == member
    # Written in English: stored in the English columns only.
    assert resource.title_en == "A guide for local authorities"
    assert resource.title_fr in ("", None) and resource.summary_fr in ("", None)
    assert resource.summary_en == "How municipalities work with their diaspora."
    assert resource.url == "https://example.org/guide"
    assert resource.countries == ["ML", "SN"]
    assert list(resource.themes.all()) == [theme]
    assert resource.authors == "Ana Pérez, Awa Diop" and resource.year == 2014
    # Not public while it waits.
    client.logout()
    assert client.get(resource.get_absolute_url()).status_code == 404


def test_the_member_sees_where_each_submission_stands(client):
    member = verified_member()
    staff = StaffFactory()
    waiting = submit(member, title="Waiting one")
    refused = submit(member, title="Refused one")
    services.refuse_resource(resource=refused, by=staff, reason="Not about migration.")
    published = submit(member, title="Published one")
    services.publish_resource(resource=published, by=staff)
    ResourceFactory(title="Someone else's")
    client.force_login(member)

    page = parse(client.get(reverse("library:my_submissions")))

    items = find_all(page, "li", "submission")
    assert len(items) == 3
    by_id = {item.attrs["id"]: text(item) for item in items}
    assert tr("Waiting for review") in by_id[f"resource-{waiting.pk}"]
    assert "Not about migration." in by_id[f"resource-{refused.pk}"]
    assert tr("Refused") in by_id[f"resource-{refused.pk}"]
    link = find(find(page, "li", id=f"resource-{published.pk}"), "a")
    assert link.attrs["href"] == published.get_absolute_url()


def test_a_file_is_shared_with_its_language(client, media):
    client.force_login(verified_member())
    pdf = files.upload("rapport.pdf", files.pdf_bytes(["Le texte du rapport."]))

    response = client.post(share_url(), link_data(url="", file=pdf, file_language="fr"))

    assert response.status_code == 302
    resource = Resource.objects.get()
    resource_file = ResourceFile.objects.get(resource=resource)
    assert resource_file.language == "fr" and resource_file.original_name == "rapport.pdf"
    assert resource_file.content_type == "application/pdf"
    assert "fr" in resource.languages
    assert resource.url == ""
    assert len(stored(media)) == 1


def test_a_refused_file_stores_nothing_and_says_why(client, media):
    client.force_login(verified_member())
    svg = files.upload("rapport.pdf", files.SVG_WITH_SCRIPT)

    response = client.post(share_url(), link_data(url="", file=svg, file_language="fr"))

    assert response.status_code == 400
    assert "rapport.pdf" in errors_of(response)
    assert not Resource.objects.exists() and not stored(media)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"url": ""},
            "Give the file of the resource, or the link to where it is published.",
        ),
        (
            {"file_language": "fr", "with_file": True},
            "Give either a file or a link, not both: a resource is one or the other.",
        ),
        ({"url": "", "with_file": True}, "Say which language the file is in."),
    ],
)
def test_a_file_or_a_link_exactly_one(client, media, changes, message):
    client.force_login(verified_member())
    if changes.pop("with_file", False):
        changes["file"] = files.upload("guide.pdf", files.pdf_bytes(["Guide"]))

    response = client.post(share_url(), link_data(**changes))

    assert response.status_code == 400
    assert tr(message) in errors_of(response)
    assert not Resource.objects.exists() and not stored(media)


def test_the_same_form_sent_twice_shares_once(client):
    client.force_login(verified_member())
    data = link_data()

    first = client.post(share_url(), data)
    second = client.post(share_url(), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Resource.objects.count() == 1


def test_sharing_is_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "library_share": "1/h/user"}
    client.force_login(verified_member())

    assert client.post(share_url(), link_data()).status_code == 302
    response = client.post(share_url(), link_data(title="Another one"))

    assert response.status_code == 429
    assert Resource.objects.count() == 1


def test_a_publisher_listed_in_the_catalogue_is_linked_others_kept_as_written(client):
    organisation = OrganisationFactory(name="Mairie de Kolda", verified=True)
    client.force_login(verified_member())

    client.post(share_url(), link_data(publisher="MAIRIE DE KOLDÁ"))
    client.post(share_url(), link_data(publisher="Université de Dakar", title="Other"))

    linked = Resource.objects.get(title_en="A guide for local authorities")
    assert linked.publisher == organisation and linked.publisher_name == ""
    kept = Resource.objects.get(title_en="Other")
    assert kept.publisher is None and kept.publisher_name == "Université de Dakar"


def test_the_form_never_lists_every_organisation(client):
    OrganisationFactory.create_batch(3, verified=True)
    client.force_login(verified_member())

    page = parse(client.get(share_url()))

    publisher = find(page, "input", name="publisher")
    assert publisher.attrs["type"] == "text"
    assert not find_all(page, "select", name="publisher")


def test_staff_are_told_a_resource_waits(client):
    staff = StaffFactory(language="en")
    client.force_login(verified_member())

    client.post(share_url(), link_data())

    email = OutgoingEmail.objects.get(to=staff.email)
    assert email.cause.startswith("library.resources-to-review:")
    assert "A guide for local authorities" in email.body
    assert QUEUE in email.body


# --- The queue, per actor ---------------------------------------------------------------------


def test_the_queue_is_for_staff_only(client):
    submit(verified_member())
    assert client.get(QUEUE).status_code == 302  # a visitor: the admin's login

    client.force_login(verified_member())
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_see_the_resources_waiting(staff_client):
    waiting = submit(verified_member(), title="Waiting one")
    decided = submit(verified_member(), title="Decided one")
    services.publish_resource(resource=decided, by=StaffFactory())
    ResourceFactory(title="Written by staff", status=ReviewStatus.PENDING)

    page = text(parse(staff_client.get(QUEUE)))

    assert "Waiting one" in page
    assert "Decided one" not in page and "Written by staff" not in page
    assert waiting.title in text(parse(staff_client.get(f"{QUEUE}?status=all")))


def test_staff_publish_from_the_page_and_the_member_is_told_in_their_language(staff, staff_client):
    member = verified_member(language="es")
    resource = submit(member)
    page = staff_client.get(f"{QUEUE}{resource.pk}/change/")
    assert page.status_code == 200
    assert "https://example.org/guide" in text(parse(page))

    response = staff_client.post(
        f"{QUEUE}{resource.pk}/publish/", form_values(page, "publish-resource-form")
    )

    assert response.status_code == 302 and response["Location"] == QUEUE
    resource.refresh_from_db()
    assert resource.status == ReviewStatus.PUBLISHED
    assert resource.reviewed_by == staff and resource.published_at is not None
    email = OutgoingEmail.objects.get(to=member.email)
    assert email.language == "es"
    assert f"/es/library/{resource.slug}/" in email.body
    # Published: anyone reads it.
    staff_client.logout()
    assert staff_client.get(resource.get_absolute_url()).status_code == 200


def test_refusing_needs_a_reason_and_keeps_the_files(staff_client, media):
    member = verified_member()
    pdf = files.upload("rapport.pdf", files.pdf_bytes(["Texte"]))
    resource = services.submit_resource(
        member=member,
        data={
            "language": "fr",
            "title": "Rapport",
            "kind": "report",
            "languages": ["fr"],
            "licence": "unknown",
        },
        files={"fr": pdf},
    )

    staff_client.post(f"{QUEUE}{resource.pk}/refuse/", {"reason": "  "})
    resource.refresh_from_db()
    assert resource.status == ReviewStatus.PENDING
    assert not OutgoingEmail.objects.filter(to=member.email).exists()

    staff_client.post(f"{QUEUE}{resource.pk}/refuse/", {"reason": "Hors sujet."})

    resource.refresh_from_db()
    assert resource.status == ReviewStatus.REFUSED and resource.refusal_reason == "Hors sujet."
    assert "Hors sujet." in OutgoingEmail.objects.get(to=member.email).body
    assert ResourceFile.objects.filter(resource=resource).exists() and stored(media)


def test_a_resource_is_decided_once(staff_client):
    resource = submit(verified_member())
    services.publish_resource(resource=resource, by=StaffFactory())

    with pytest.raises(services.ResourceError):
        services.refuse_resource(resource=resource, by=StaffFactory(), reason="Late")
    response = staff_client.post(f"{QUEUE}{resource.pk}/refuse/", {"reason": "Late"}, follow=True)

    assert tr("This resource was already reviewed.") in text(parse(response))
    resource.refresh_from_db()
    assert resource.status == ReviewStatus.PUBLISHED


def test_only_staff_decide(client):
    resource = submit(verified_member())
    with pytest.raises(services.NotPermitted):
        services.publish_resource(resource=resource, by=verified_member())
    client.force_login(verified_member())

    response = client.post(f"{QUEUE}{resource.pk}/publish/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    resource.refresh_from_db()
    assert resource.status == ReviewStatus.PENDING


def test_staff_publish_several_at_once(staff_client):
    resources = [submit(verified_member(), title=f"R{n}") for n in range(3)]

    response = staff_client.post(
        QUEUE,
        {"action": "publish_resources", "_selected_action": [r.pk for r in resources[:2]]},
    )

    assert response.status_code == 302
    statuses = dict(Resource.objects.values_list("title_en", "status"))
    assert statuses == {"R0": "published", "R1": "published", "R2": "pending"}
    assert OutgoingEmail.objects.filter(cause__contains=":published:").count() == 2


def test_refusing_several_asks_for_the_reason_first(staff_client):
    resources = [submit(verified_member(), title=f"R{n}") for n in range(2)]
    selected = {"action": "refuse_resources", "_selected_action": [r.pk for r in resources]}

    confirmation = staff_client.post(QUEUE, selected)

    assert confirmation.status_code == 200
    assert "R0" in text(parse(confirmation)) and "R1" in text(parse(confirmation))
    assert not Resource.objects.filter(status=ReviewStatus.REFUSED).exists()

    response = staff_client.post(QUEUE, {**selected, "apply": "yes", "reason": "Doublon."})

    assert response.status_code == 302
    assert set(Resource.objects.values_list("status", "refusal_reason")) == {
        ("refused", "Doublon.")
    }


def test_staff_delete_a_refused_submission_and_its_file(
    staff_client, media, django_capture_on_commit_callbacks
):
    pdf = files.upload("rapport.pdf", files.pdf_bytes(["Texte"]))
    resource = services.submit_resource(
        member=verified_member(),
        data={"language": "fr", "title": "Rapport", "kind": "report"},
        files={"fr": pdf},
    )
    services.refuse_resource(resource=resource, by=StaffFactory(), reason="Non.")
    assert stored(media)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{QUEUE}{resource.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not ResourceSubmission.objects.filter(pk=resource.pk).exists()
    assert not stored(media)


def test_a_submission_is_not_decided_by_editing_it_in_the_resources_admin(staff_client):
    resource = submit(verified_member())

    page = parse(staff_client.get(f"/admin/library/resource/{resource.pk}/change/"))

    assert not find_all(page, "select", name="status")


@override_settings(LANGUAGE_CODE="fr")
def test_staff_write_a_resource_with_a_file_in_the_admin(staff_client, media):
    page = staff_client.get("/admin/library/resource/add/")
    assert page.status_code == 200
    pdf = files.upload("guide.pdf", files.pdf_bytes(["Guide"]))

    response = staff_client.post(
        "/admin/library/resource/add/",
        {
            "title_fr": "Guide",
            "slug": "guide",
            "kind": "toolkit",
            "status": "published",
            "licence": "unknown",
            "languages": ["fr"],
            "files-TOTAL_FORMS": "1",
            "files-INITIAL_FORMS": "0",
            "files-MIN_NUM_FORMS": "0",
            "files-MAX_NUM_FORMS": "1000",
            "files-0-language": "fr",
            "files-0-upload": pdf,
        },
    )

    assert response.status_code == 302, errors_of(response)
    resource = Resource.objects.get(slug="guide")
    assert resource.status == ReviewStatus.PUBLISHED and resource.published_at is not None
    resource_file = resource.files.get()
    assert resource_file.content_type == "application/pdf" and resource_file.size > 0
    assert len(stored(media)) == 1


def test_an_svg_is_refused_in_the_admin_too(staff_client, media):
    svg = files.upload("guide.pdf", files.SVG_WITH_SCRIPT)

    response = staff_client.post(
        "/admin/library/resource/add/",
        {
            "title_fr": "Guide",
            "slug": "guide",
            "kind": "toolkit",
            "status": "published",
            "licence": "unknown",
            "files-TOTAL_FORMS": "1",
            "files-INITIAL_FORMS": "0",
            "files-MIN_NUM_FORMS": "0",
            "files-MAX_NUM_FORMS": "1000",
            "files-0-language": "fr",
            "files-0-upload": svg,
        },
    )

    assert response.status_code == 200
    assert not Resource.objects.exists() and not stored(media)


def admin_resource(**changes) -> dict:
    data = {
        "title_fr": "Guide",
        "slug": "guide",
        "kind": "toolkit",
        "status": "published",
        "licence": "unknown",
        "url": "",
        "files-TOTAL_FORMS": "1",
        "files-INITIAL_FORMS": "0",
        "files-MIN_NUM_FORMS": "0",
        "files-MAX_NUM_FORMS": "1000",
        "files-0-language": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("with_file", "url", "message"),
    [
        (
            True,
            "https://example.org/guide",
            "Give either files or a link, not both: remove the link or the files.",
        ),
        (False, "", "A published resource needs a file or a link."),
    ],
)
def test_staff_give_files_or_a_link_in_the_admin(staff_client, media, with_file, url, message):
    changes = {"url": url}
    if with_file:
        changes["files-0-language"] = "fr"
        changes["files-0-upload"] = files.upload("guide.pdf", files.pdf_bytes(["Guide"]))

    response = staff_client.post("/admin/library/resource/add/", admin_resource(**changes))

    assert response.status_code == 200
    assert tr(message) in text(parse(response))
    assert not Resource.objects.exists() and not stored(media)
