"""The admin page of one request to represent an organisation: staff read the proposal
(the organisation as the person described it, who asks, whether their address is confirmed,
what stands in the way) and approve or reject it there, through the same services as the
queue's actions. The verification is in the organisation's history, with its author.

Interface strings are compared with what gettext gives (French, the admin's default here)."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from network import services
from network.models import MembershipStatus
from projects.models import Organisation, OrganisationKind
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

CLAIMS = "/admin/network/representativeclaim/"


def propose(*, confirmed: bool = True, **organisation):
    member = MemberFactory(name="Awa Diop", email="awa@example.org")
    if confirmed:
        verify(member)
    fields = {
        "name": "Association des Sénégalais de Lyon",
        "kind": OrganisationKind.DIASPORA,
        "country": "FR",
        "website": "https://asl.example.org/",
        "description": "Nous accompagnons les projets des migrants\nvers leurs villages.",
        **organisation,
    }
    return services.propose_organisation(member=member, new=services.NewOrganisation(**fields))


def page_url(claim) -> str:
    return f"{CLAIMS}{claim.pk}/change/"


def readonly_values(response) -> dict[str, str]:
    """{label: value} of the read-only rows of the admin page."""
    assert response.status_code == 200
    rows = {}
    for row in find_all(parse(response), "div", "form-row"):
        labels = find_all(row, "label")
        values = find_all(row, "div", "readonly")
        if labels and values:
            rows[text(labels[0]).rstrip(":").strip()] = text(values[0])
    return rows


def messages_on(client: Client, url: str) -> list[str]:
    page = parse(client.get(url))
    return [
        text(item)
        for found in find_all(page, "ul", "messagelist")
        for item in found.children
        if not isinstance(item, str)
    ]


def test_the_page_of_a_proposal_shows_what_staff_decide_on(staff_client):
    claim = propose()

    response = staff_client.get(page_url(claim))

    values = readonly_values(response)
    with translation.override("fr"):
        kind = str(dict(OrganisationKind.choices)[OrganisationKind.DIASPORA])
    assert values[tr("name").capitalize()] == "Association des Sénégalais de Lyon"
    assert values[tr("kind").capitalize()] == kind
    assert values[tr("country").capitalize()] == "France"
    assert values[tr("website").capitalize()] == "https://asl.example.org/"
    assert "vers leurs villages" in values[tr("description").capitalize()]
    assert "Awa Diop" in values[tr("member").capitalize()]
    assert values[tr("email address").capitalize()] == "awa@example.org"
    assert values[tr("email confirmed").capitalize()] == tr("Yes")
    assert values[tr("before deciding").capitalize()] == tr("Ready to decide")
    assert values[tr("kind of request").capitalize()] == tr("Proposes a new organisation")
    page = parse(response)
    website = find(find(page, "div", "field-organisation_website"), "a")
    assert website.attrs["href"] == "https://asl.example.org/"
    assert "noopener" in website.attrs["rel"]
    # Its two decisions, each a form of its own with the CSRF token.
    approve = find(page, "form", id="approve-claim-form")
    reject = find(page, "form", id="reject-claim-form")
    for form in (approve, reject):
        assert form.attrs["method"] == "post"
        assert find(form, "input", name="csrfmiddlewaretoken")
    assert find(reject, "textarea", name="reason")


def test_what_stands_in_the_way_is_on_the_page(staff_client):
    claim = propose(confirmed=False)

    values = readonly_values(staff_client.get(page_url(claim)))

    assert values[tr("email confirmed").capitalize()] == tr("No")
    assert values[tr("before deciding").capitalize()] == tr("Email address not confirmed")


def test_approving_from_the_page_verifies_lists_and_records_who_did_it(
    staff, staff_client, run_tasks
):
    claim = propose()
    page = staff_client.get(page_url(claim))

    response = staff_client.post(
        f"{CLAIMS}{claim.pk}/approve/", form_values(page, "approve-claim-form")
    )

    assert response.status_code == 302
    assert response["Location"] == CLAIMS
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.APPROVED and claim.decided_by == staff
    organisation = Organisation.objects.get(pk=claim.organisation_id)
    assert organisation.verified
    assert organisation.slug == "association-des-senegalais-de-lyon"
    assert Organisation.objects.listed().filter(pk=organisation.pk).exists()
    run_tasks()
    assert [message.to for message in mail.outbox] == [["awa@example.org"]]
    # The organisation's history says who verified it, and on whose request…
    latest = organisation.history.first()
    assert latest.verified and latest.history_user == staff
    assert latest.history_change_reason == tr("Verified by staff (claim of %(member)s)") % {
        "member": "Awa Diop"
    }
    # …and so does its history page in the admin.
    history = staff_client.get(f"/admin/projects/organisation/{organisation.pk}/history/")
    newest = find_all(find(parse(history), "table", id="change-history"), "tr")[1]
    assert str(staff) in text(newest)
    assert "Awa Diop" in text(newest)


def test_rejecting_from_the_page_tells_the_person_the_reason(staff_client, run_tasks):
    claim = propose()
    data = form_values(staff_client.get(page_url(claim)), "reject-claim-form")
    data["reason"] = "Nous n’avons pas pu joindre l’association."

    response = staff_client.post(f"{CLAIMS}{claim.pk}/reject/", data)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.REJECTED
    assert claim.reason == "Nous n’avons pas pu joindre l’association."
    assert not Organisation.objects.get(pk=claim.organisation_id).verified
    run_tasks()
    (message,) = mail.outbox
    assert "Nous n’avons pas pu joindre l’association." in message.body


def test_a_rejection_without_a_reason_is_refused_with_a_message(staff_client, run_tasks):
    claim = propose()
    data = form_values(staff_client.get(page_url(claim)), "reject-claim-form")
    data["reason"] = "   "

    response = staff_client.post(f"{CLAIMS}{claim.pk}/reject/", data)

    assert response.status_code == 302
    assert response["Location"] == page_url(claim)
    reason = tr("Say why the request is rejected: the person will be told.")
    expected = tr("The request was left as it was: %(reason)s") % {"reason": reason}
    assert expected in messages_on(staff_client, page_url(claim))
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING
    run_tasks()
    assert mail.outbox == []


def test_an_approval_the_service_refuses_is_explained_and_changes_nothing(staff_client):
    claim = propose(confirmed=False)

    response = staff_client.post(f"{CLAIMS}{claim.pk}/approve/")

    assert response.status_code == 302
    assert response["Location"] == page_url(claim)
    messages = " ".join(messages_on(staff_client, page_url(claim)))
    assert "awa@example.org" in messages
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING
    assert not Organisation.objects.get(pk=claim.organisation_id).verified


def test_a_proposal_bearing_a_name_listed_meanwhile_is_not_approved(staff_client):
    claim = propose(name="Fondation Teranga")
    listed = OrganisationFactory(name="Fondation Teranga", slug="teranga")
    ProjectFactory(partners=[listed])

    values = readonly_values(staff_client.get(page_url(claim)))
    assert "Fondation Teranga" in values[tr("before deciding").capitalize()]
    response = staff_client.post(f"{CLAIMS}{claim.pk}/approve/")

    assert response["Location"] == page_url(claim)
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING


def test_a_decided_request_has_no_buttons(staff_client):
    claim = propose()
    staff_client.post(f"{CLAIMS}{claim.pk}/approve/")

    page = parse(staff_client.get(page_url(claim)))

    assert not find_all(page, "form", id="approve-claim-form")
    assert not find_all(page, "form", id="reject-claim-form")
    # Posted again all the same, it is refused with the reason.
    staff_client.post(f"{CLAIMS}{claim.pk}/approve/")
    expected = tr("The request was left as it was: %(reason)s") % {
        "reason": tr("This request was already decided.")
    }
    assert expected in messages_on(staff_client, page_url(claim))


def test_decisions_are_posts_with_a_csrf_token(staff):
    claim = propose()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    assert browser.get(f"{CLAIMS}{claim.pk}/approve/").status_code == 405
    assert browser.get(f"{CLAIMS}{claim.pk}/reject/").status_code == 405
    assert browser.post(f"{CLAIMS}{claim.pk}/approve/").status_code == 403  # no token
    # The page itself saves nothing.
    assert browser.post(page_url(claim)).status_code in (403, 405)
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING


def test_only_staff_who_may_change_requests_decide(client):
    claim = propose()
    # A member is sent to the admin's login page.
    client.force_login(verify(MemberFactory()))
    response = client.post(f"{CLAIMS}{claim.pk}/approve/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # Staff who may only read requests see no buttons and cannot decide.
    from django.contrib.auth.models import Permission

    reader = MemberFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_representativeclaim"))
    client.force_login(reader)
    page = client.get(page_url(claim))
    assert page.status_code == 200
    assert not find_all(parse(page), "form", id="approve-claim-form")
    assert client.post(f"{CLAIMS}{claim.pk}/approve/").status_code == 403
    assert client.post(f"{CLAIMS}{claim.pk}/reject/", {"reason": "Non."}).status_code == 403
    claim.refresh_from_db()
    assert claim.status == MembershipStatus.PENDING
