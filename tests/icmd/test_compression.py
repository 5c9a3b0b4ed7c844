"""Pages travel compressed when the site serves them itself, unless they hold a secret
(BREACH): a member's page, a form with its CSRF token, a page with a message for the
visitor."""

import gzip

import pytest
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client

from tests.factories import verified_member

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def test_a_visitors_page_travels_compressed(client, seed_copy):
    plain = client.get("/fr/projects/")
    response = client.get("/fr/projects/", **GZIP)

    assert response["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(response)
    assert gzip.decompress(response.content) == plain.content
    # A fifth of its size, or less.
    assert len(response.content) * 4 < len(plain.content)
    assert int(response["Content-Length"]) == len(response.content)


def test_compressed_sizes_are_padded_at_random(client, seed_copy):
    """Django adds up to 100 random bytes to each compressed answer ("Heal the Breach"):
    the same page does not always weigh the same."""
    sizes = {len(client.get("/fr/projects/", **GZIP).content) for _n in range(8)}

    assert len(sizes) > 1


def test_a_browser_that_does_not_ask_for_it_gets_the_page_as_it_is(client, seed_copy):
    response = client.get("/fr/projects/")

    assert not response.has_header("Content-Encoding")
    assert b"<html" in response.content


def test_a_members_pages_are_not_compressed(client, seed_copy):
    client.force_login(verified_member())

    response = client.get("/fr/projects/", **GZIP)

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"csrfmiddlewaretoken" in response.content  # the header's log-out form


@pytest.mark.parametrize("url", ["/fr/accounts/login/", "/fr/accounts/signup/"])
def test_a_form_with_its_csrf_token_is_not_compressed(client, db, url):
    response = client.get(url, **GZIP)

    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert not response.has_header("Content-Encoding")


def test_a_visitor_with_a_session_or_a_message_gets_no_compressed_page(seed_copy):
    visitor = Client()
    session = visitor.session
    session["something"] = "kept for this visitor"
    session.save()
    visitor.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    assert not visitor.get("/fr/projects/", **GZIP).has_header("Content-Encoding")

    visitor = Client()
    visitor.cookies[CookieStorage.cookie_name] = "a message for this visitor"
    assert not visitor.get("/fr/projects/", **GZIP).has_header("Content-Encoding")


def test_downloads_and_the_api_are_left_to_the_proxy(client, seed_copy):
    api = client.get("/api/v1/projects/", **GZIP)
    csv = client.get("/fr/projects/export.csv", **GZIP)

    assert api.status_code == 200 and csv.status_code == 200
    assert not api.has_header("Content-Encoding")
    assert not csv.has_header("Content-Encoding")
