import os

import pytest
from django.core.management import call_command

from tests.factories import MemberFactory, StaffFactory

# Playwright's sync API runs an event loop in the test thread; Django would then refuse
# ORM calls made by the tests themselves.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Creating accounts would otherwise cost most of a test's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed(db):
    """The real seed catalogue and site pages, as `make run` loads them."""
    call_command("load_seed", verbosity=0)


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
