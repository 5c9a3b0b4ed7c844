"""Rate limits per address behind a reverse proxy: every visitor reaches the site from the
proxy's address, so each limit must count the client the proxy saw (the entry it appended
to X-Forwarded-For), never the proxy. One client going past a limit leaves the others
alone: logging in, signing up, the admin's login, asking for a new password.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from network.models import Member
from tests.factories import MemberFactory, StaffFactory, verify
from tests.forms import form_values

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # MemberFactory's
NEW_PASSWORD = "Baobab-sous-la-pluie-2031"
PROXY = "10.0.0.1"  # nginx, in front of the site: every request comes from it


@pytest.fixture(autouse=True)
def behind_one_proxy(settings):
    """As DJANGO_BEHIND_PROXY=1 sets it; rate limits counted afresh for each test."""
    settings.TRUSTED_PROXIES = 1
    cache.clear()
    yield
    cache.clear()


def behind_the_proxy(address: str, written_by_the_client: str = "") -> Client:
    """A browser at ``address`` reaching the site through the proxy, which appends the
    address it was connected from to whatever X-Forwarded-For the client sent."""
    forwarded = f"{written_by_the_client}, {address}" if written_by_the_client else address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def url(name: str) -> str:
    with translation.override("fr"):
        return reverse(name)


def logged_in(client: Client):
    user_id = client.session.get("_auth_user_id")
    return Member.objects.get(pk=user_id) if user_id else None


def test_failed_logins_of_one_client_do_not_lock_out_another(settings):
    """Past the limit of failed logins per address, the guessing client is refused;
    another client behind the same proxy logs in with the right password."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    guesser = behind_the_proxy("198.51.100.66")
    person = verify(MemberFactory(email="awa@example.org"))
    colleague = behind_the_proxy("203.0.113.5")

    statuses = [
        guesser.post(
            url("account_login"), {"login": f"guess{n}@example.org", "password": "wrong 1"}
        ).status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
    response = colleague.post(url("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in(colleague) == person


def test_the_default_login_limit_is_counted_per_client(settings):
    """The limit as configured (ten failures a minute from one address)."""
    person = verify(MemberFactory(email="awa@example.org"))
    guesser, colleague = behind_the_proxy("198.51.100.66"), behind_the_proxy("203.0.113.5")
    for n in range(10):
        guesser.post(url("account_login"), {"login": f"guess{n}@example.org", "password": "x"})
    refused = guesser.post(url("account_login"), {"login": person.email, "password": PASSWORD})

    response = colleague.post(url("account_login"), {"login": person.email, "password": PASSWORD})

    assert refused.status_code == 429
    assert response.status_code == 302
    assert logged_in(colleague) == person


def signup_form(client: Client, email: str) -> dict:
    data = form_values(client.get(url("account_signup")), "signup-form")
    data.update(
        email=email,
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
        name="Amina Diallo",
        country="SN",
        join_as="individual",
        accept_terms="on",
    )
    return data


def test_signups_of_one_client_do_not_block_anothers():
    """ "5/10m/ip": five sign-ups from one client; the sixth is refused, while another
    client behind the same proxy still joins."""
    busy = behind_the_proxy("198.51.100.66")
    for n in range(5):
        assert busy.post(url("account_signup"), {"email": f"p{n}@example.org"}).status_code == 200
    refused = busy.post(url("account_signup"), signup_form(busy, "late@example.org"))
    assert refused.status_code == 429

    newcomer = behind_the_proxy("203.0.113.5")
    response = newcomer.post(url("account_signup"), signup_form(newcomer, "amina@example.org"))

    assert response.status_code == 302
    assert Member.objects.filter(email="amina@example.org").exists()
    assert not Member.objects.filter(email="late@example.org").exists()


def admin_login(client: Client, email: str, password: str):
    return client.post(
        "/admin/login/", {"username": email, "password": password, "next": "/admin/"}
    )


def test_failed_admin_logins_of_one_client_do_not_lock_out_staff_elsewhere():
    """The admin's login, "10/m/ip": one client's ten failures, with as many addresses,
    leave a staff member behind the same proxy free to log in."""
    staff = StaffFactory(email="staff@example.org")
    guesser = behind_the_proxy("198.51.100.66")
    for n in range(10):
        assert admin_login(guesser, f"guess{n}@example.org", "wrong 1").status_code == 200
    assert admin_login(guesser, staff.email, PASSWORD).status_code == 429

    colleague = behind_the_proxy("203.0.113.5")
    response = admin_login(colleague, staff.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert logged_in(colleague) == staff


def test_a_client_cannot_escape_the_limit_by_writing_other_addresses():
    """What the client writes in X-Forwarded-For before the proxy's entry is not believed:
    a guesser changing it each time is still one client."""
    staff = StaffFactory(email="staff@example.org")
    guesser = "198.51.100.66"
    for n in range(10):
        client = behind_the_proxy(guesser, written_by_the_client=f"192.0.2.{n}")
        admin_login(client, f"guess{n}@example.org", "wrong 1")

    response = admin_login(behind_the_proxy(guesser, "192.0.2.99"), staff.email, PASSWORD)

    assert response.status_code == 429


def test_password_reset_requests_of_one_client_do_not_block_anothers(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/h/ip"}
    busy, other = behind_the_proxy("198.51.100.66"), behind_the_proxy("203.0.113.5")
    statuses = [
        busy.post(url("account_reset_password"), {"email": f"p{n}@example.org"}).status_code
        for n in range(3)
    ]

    response = other.post(url("account_reset_password"), {"email": "awa@example.org"})

    assert statuses == [302, 302, 429]
    assert response.status_code == 302
