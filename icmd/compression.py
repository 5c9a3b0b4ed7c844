"""Pages compressed by the site itself, for when no proxy in front compresses them, and only
those that hold no secret (BREACH).

BREACH reads a secret out of compressed HTTPS responses by their size: an attacker who can
watch the traffic makes the victim's browser ask many times for a page that reflects
something the attacker chose (here: the search box repeats ``?q=`` on every page) beside the
secret, and sees the page shrink when the guess matches. It needs a secret in the page.

Django's ``GZipMiddleware`` already pads each compressed response with up to 100 random
bytes ("Heal the Breach"), which makes the sizes noisy and the attack slower, not
impossible; its CSRF tokens are masked afresh in each response, so they never repeat. On
top of that, only pages that hold nothing secret are compressed: pages for visitors
without a session (no account, so nothing personal in the page) that carry no CSRF token
(no form that posts) and no message for them. Members' pages, forms and pages that set a
session go uncompressed.
Only HTML is compressed here: downloads and the API are left to the proxy.
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.middleware.gzip import GZipMiddleware


def holds_no_secret(request, response) -> bool:
    """Whether ``response`` is a page any anonymous visitor would get: no session sent or
    set (nothing personal in it), no message waiting for this visitor (one may repeat what
    they wrote) and no CSRF token in it (Django's CSRF middleware sets the token's cookie
    on every response that used one)."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and settings.SESSION_COOKIE_NAME not in response.cookies
        and settings.CSRF_COOKIE_NAME not in response.cookies
    )


class PublicPagesGZipMiddleware(GZipMiddleware):
    """``GZipMiddleware`` for HTML pages that hold no secret (see the module's docstring).

    In MIDDLEWARE after WhiteNoise (static files come compressed from it already) and
    above every middleware that reads or sets cookies, so that it sees the response last,
    with its cookies set."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("text/html") or not holds_no_secret(request, response):
            return response
        return super().process_response(request, response)
