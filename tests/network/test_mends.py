"""What a walk through M4D Net found, mended: the directories' breadcrumbs lead to their
parent; a verification link opened in another browser does what the README says (the address
is confirmed, the person logs in as usual and lands on their profile); an account made with
``createsuperuser`` logs into the site itself, with no confirmation email.

Interface strings are compared with what gettext gives for the page's language."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from network.models import Member
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

PASSWORD = "Baobab-sous-la-pluie-2031"


def url(name, language="fr", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def breadcrumbs(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    trail = find(parse(response), "nav", "breadcrumbs")
    return [(text(a), a.attrs["href"]) for a in find_all(trail, "a")]


def logged_in_member(client):
    user_id = client.session.get("_auth_user_id")
    return Member.objects.get(pk=user_id) if user_id else None


# --- Directories --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en", "es"])
@pytest.mark.parametrize("directory", ["network:members", "network:organisations"])
def test_a_directorys_breadcrumbs_lead_to_m4d_net_only(client, language, directory):
    response = client.get(url(directory, language))

    assert breadcrumbs(response) == [("M4D Net", url("network:home", language))]


# --- Confirming one's address in another browser -------------------------------------------------


def test_a_link_opened_in_another_browser_confirms_and_asks_to_log_in(client, run_tasks):
    data = form_values(client.get(url("account_signup")), "signup-form")
    data.update(
        {
            "email": "amina.diallo@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "name": "Amina Diallo",
            "country": "SN",
            "join_as": "individual",
            "accept_terms": "on",
        }
    )
    assert client.post(url("account_signup"), data).status_code == 302
    run_tasks()
    (message,) = mail.outbox
    (link,) = re.findall(r"https?://testserver(/\S+)", message.body)
    phone = Client()

    response = phone.get(link, follow=True)

    # Confirmed, not logged in: the login page, saying that the address is confirmed.
    assert EmailAddress.objects.get(email="amina.diallo@example.org").verified
    assert logged_in_member(phone) is None
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == url("account_login")
    page = parse(response)
    with translation.override("fr"):
        confirmed = translation.gettext("You have confirmed %(email)s.") % {
            "email": "amina.diallo@example.org"
        }
    assert confirmed in text(find(page, "ul", "messages"))
    # Logging in there opens the profile, as in the browser the person joined with.
    login = phone.post(
        response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"],
        {"login": "amina.diallo@example.org", "password": PASSWORD},
        follow=True,
    )
    member = Member.objects.get(email="amina.diallo@example.org")
    assert logged_in_member(phone) == member
    assert login.redirect_chain[-1][0] == url("network:member", slug=member.slug)


# --- createsuperuser ------------------------------------------------------------------------------


def test_a_createsuperuser_account_logs_into_the_site_without_a_confirmation_email(
    client, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", interactive=False, email="Admin@Example.org", name="Awa", verbosity=0
    )

    response = client.post(
        "/fr/accounts/login/", {"login": "admin@example.org", "password": PASSWORD}
    )

    admin = Member.objects.get(email="admin@example.org")
    assert admin.is_superuser and admin.is_staff
    assert response.status_code == 302
    assert response["Location"] != url("account_email_verification_sent")
    assert logged_in_member(client) == admin
    assert admin.has_verified_email
    assert mail.outbox == []
    # The same account works in the admin, and the site's member pages let it in.
    assert client.get("/admin/").status_code == 200
    assert client.get(url("network:me"), follow=True).status_code == 200
    assert tr("Verify Your Email Address") not in client.get(url("home")).content.decode()
