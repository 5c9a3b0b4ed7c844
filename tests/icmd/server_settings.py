"""Settings of the servers a test starts in processes of their own (tests/icmd/
test_two_processes.py): the production settings, read from the same environment variables
(``DJANGO_DEBUG=0`` and the rest), with two changes that only spare time in tests:

- passwords are hashed with MD5, as in every test of the suite (tests/conftest.py): the
  accounts a test creates can then log in to these servers, in milliseconds;
- static files are named as they are, without the manifest of hashed names that
  ``collectstatic`` writes (tens of seconds): the pages render the same otherwise.
"""

from icmd.settings import *  # noqa: F403
from icmd.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
