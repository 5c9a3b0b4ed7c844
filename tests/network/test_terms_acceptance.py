"""Joining M4D Net means accepting the terms of use: the sign-up form links the privacy
notice and the terms beside its button, refuses to go on without the box ticked, and the
account records when, and which version of the terms, was accepted (shown in the member's
data export and in the admin)."""

import datetime
import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from icmd.models import Page, PageKind
from network.models import Member
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

SIGNUP = "/fr/accounts/signup/"
PASSWORD = "Tres-largo-y-seguro-2024"


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Sign-ups are rate-limited in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def terms(db):
    return Page.objects.create(
        kind=PageKind.TERMS,
        slug="terms",
        title_fr="Conditions d’utilisation",
        body_fr="Soyez respectueux.",
        version="2025-09",
    )


def signup_form(client, **values) -> dict:
    data = form_values(client.get(SIGNUP), "signup-form")
    data.update(
        email="amina.diallo@example.org",
        password1=PASSWORD,
        password2=PASSWORD,
        name="Amina Diallo",
        country="SN",
        join_as="individual",
    )
    data.update(values)
    return data


def test_the_form_links_privacy_and_terms_beside_its_button(client):
    page = parse(client.get(SIGNUP))

    box = find(page, "div", "terms-acceptance")
    links = {a.attrs["href"] for a in find_all(box, "a")}
    assert {"/fr/privacy/", "/fr/terms/"} <= links
    assert find(box, "button", type="submit")
    checkbox = find(box, "input", type="checkbox", name="accept_terms")
    assert "required" in checkbox.attrs
    (label,) = [
        label for label in find_all(box, "label") if label.attrs.get("for") == checkbox.attrs["id"]
    ]
    assert text(label) == tr("I accept the terms of use")
    # Unticked on arrival: nobody accepts by default.
    assert "checked" not in checkbox.attrs


def test_without_the_box_ticked_nothing_is_created(client, terms, run_tasks):
    data = signup_form(client)
    assert "accept_terms" not in data  # as the page gives it

    response = client.post(SIGNUP, data)

    assert response.status_code == 200
    errors = find(parse(response), "ul", "errorlist", id="id_accept_terms_error")
    assert text(errors) == tr("Accept the terms of use to join M4D Net.")
    assert not Member.objects.exists()
    run_tasks()
    assert mail.outbox == []
    # What was typed is kept.
    form = find(parse(response), "form", id="signup-form")
    assert find(form, "input", name="name").attrs["value"] == "Amina Diallo"


def test_the_account_records_when_and_which_terms_were_accepted(client, terms):
    before = timezone.now()

    response = client.post(SIGNUP, signup_form(client, accept_terms="on"))

    assert response.status_code == 302
    member = Member.objects.get()
    assert member.terms_version == "2025-09"
    assert before <= member.terms_accepted_at <= timezone.now()


def test_a_new_version_is_what_the_next_member_accepts(terms, staff_client):
    client = Client()  # the newcomers' browser
    client.post(SIGNUP, signup_form(client, accept_terms="on"))
    change = f"/admin/icmd/page/{terms.pk}/change/"
    data = form_values(staff_client.get(change), "page_form")
    data["version"] = "2026-01"
    assert staff_client.post(change, data).status_code == 302

    client.post(SIGNUP, signup_form(client, email="bakary@example.org", accept_terms="on"))

    versions = dict(Member.objects.filter(is_staff=False).values_list("email", "terms_version"))
    assert versions == {"amina.diallo@example.org": "2025-09", "bakary@example.org": "2026-01"}


def test_the_acceptance_is_in_the_members_data_export_and_the_admin(terms, staff_client):
    client = Client()  # the newcomer's browser
    client.post(SIGNUP, signup_form(client, accept_terms="on"))
    member = Member.objects.get(is_staff=False)
    client.force_login(member)

    exported = json.loads(client.get("/fr/network/me/export/").content)

    accepted = datetime.datetime.fromisoformat(exported["account"]["terms_of_use_accepted"])
    assert abs(accepted - member.terms_accepted_at) < datetime.timedelta(milliseconds=1)
    assert exported["account"]["terms_of_use_version"] == "2025-09"

    admin = parse(staff_client.get(f"/admin/network/member/{member.pk}/change/"))
    assert "2025-09" in text(find(admin, "div", "field-terms_version"))
    assert text(find(admin, "div", "field-terms_accepted_at"))
