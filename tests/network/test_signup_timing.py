"""Signing up with an address that already has an account answers as for a new one (the
same page, an email to the address), and costs as much: the password is hashed in both
cases. Hashing is most of the time of a sign-up (hundreds of milliseconds with the
production hasher), so a sign-up that skipped it would tell, by its speed, that the address
is a member's. The hashings are counted rather than timed: the count does not depend on how
busy the machine is.
"""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from network.models import Member
from tests.factories import MemberFactory, verify
from tests.forms import form_values

pytestmark = pytest.mark.django_db

PASSWORD = "Baobab-sous-la-pluie-2031"


class CountingHasher(PBKDF2PasswordHasher):
    """Django's default hasher, the production one, counting the passwords it hashes."""

    hashed = 0

    def encode(self, password, salt, iterations=None):
        type(self).hashed += 1
        return super().encode(password, salt, iterations)


@pytest.fixture(autouse=True)
def production_hasher(settings):
    """The production hasher (the suite's default is a fast one), counted; rate limits
    counted afresh."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    cache.clear()
    yield
    cache.clear()


def hashings_of_a_signup(email: str) -> int:
    client = Client()
    with translation.override("fr"):
        url = reverse("account_signup")
    data = form_values(client.get(url), "signup-form")
    data.update(
        email=email,
        password1=PASSWORD,
        password2=PASSWORD,
        name="Amina Diallo",
        country="SN",
        join_as="individual",
        accept_terms="on",
    )
    before = CountingHasher.hashed
    response = client.post(url, data)
    assert response.status_code == 302
    return CountingHasher.hashed - before


def test_a_known_address_costs_the_same_hashing_as_a_new_one():
    verify(MemberFactory(email="known@example.org"))

    for_a_new_address = hashings_of_a_signup("nobody@example.org")
    for_a_known_address = hashings_of_a_signup("known@example.org")

    assert for_a_new_address == for_a_known_address == 1
    assert Member.objects.filter(email="known@example.org").count() == 1
