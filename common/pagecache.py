"""Whole pages kept in the cache for visitors who are not logged in.

Most visitors read without an account, and every one of them gets the same page for the
same address: it is rendered once and kept for ``settings.PAGE_CACHE_SECONDS``, or until
what it shows changes, whichever comes first. A page served from the cache costs one cache
read (one query with the database cache, none with Redis), whatever the page.

Which pages: GET and HEAD requests for an address under ``/<language>/`` whose rest starts
with one of the prefixes of ``settings.PAGE_CACHE_PATHS`` (the empty prefix: the home page
only; the longest prefix that matches decides; one that maps to no section is not kept).
The admin, the API and ``/<language>/accounts/`` are in no prefix, so never kept.

Who: a visitor Django does not know (``request.user.is_authenticated`` false) and who has
no message waiting for them. Their page is served from the cache; it is stored only if it
was rendered for a request with no session cookie (so nothing from a session can be in
it). A logged-in member never gets a kept page, and a page rendered for them is never kept.

What is kept: answers 200 in HTML, not streamed, that

- set no cookie: a page that uses a CSRF token (a form that posts, such as the contact
  page) has Django's CSRF middleware set its cookie, a page that starts a session sets the
  session cookie: both are pages of one visitor, never served to another. The header's
  language links and search box are a link list and a GET form: they carry no token, so
  the pages around them can be kept;
- do not say ``Cache-Control: private``, ``no-store`` or ``no-cache``;
- vary on nothing but ``Cookie``, ``Accept-Language`` and ``Accept-Encoding`` (the
  visitor is known not to be logged in, the language is in the address);
- set no Content-Security-Policy of their own.

A kept page is stored compressed (gzip) and sent as it is to the browsers that take gzip
(nearly all: the others get it decompressed), so that a page from the cache costs neither
its compression nor much of the cache's room; a page with a nonce (below) is kept as it is.

The Content-Security-Policy nonce (``{{ csp_nonce }}``, Django's ``ContentSecurityPolicy
Middleware``) is new for each response and must not be replayed: a kept page holds a
placeholder where the nonce was, and each response made from it gets a fresh nonce in its
body, which the CSP middleware then puts in that response's header. The placeholder is
derived from ``SECRET_KEY``, so nobody can write it into a post to have it replaced.

Changes: each page belongs to sections (``PAGE_CACHE_PATHS``: the home page shows the
catalogue, the forums, the blogs…), and each section has a generation in the cache, a
random token. A kept page remembers the generations it was rendered under; reading it reads
them too (in the same cache request) and a page whose generations moved on is rendered
again. ``changed(*sections)`` gives sections new generations once the transaction under
way commits: which changes touch which section is decided by the site (icmd/cache_sections.py),
not here. A transaction that has changed a section reads its pages fresh, without the
cache, until it commits. The time limit covers what changes with the clock alone (an
e-discussion closing, news published for a later hour). With read replicas, a page of a
section changed less than ``REPLICA_PIN_SECONDS`` ago is not kept: the replica it was read
from may not show the change yet.

In MIDDLEWARE: ``StorePageMiddleware`` above the session and CSRF middlewares (it must see
the cookies they set), ``ServeCachedPageMiddleware`` last (it needs the user and the
messages). A cache that fails costs the page its speed, not its content (and is logged).
"""

import gzip
import hashlib
import hmac
import logging
import re
import secrets
import time
from functools import cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.csp import CSP
from django.utils.http import split_header_value
from django.utils.text import compress_string

from common.transactions import waits_for_commit

logger = logging.getLogger(__name__)

PAGE_KEY = "page:{language}:{digest}"
GENERATION_KEY = "generation:{section}"
# Set on every answer made from the cache (for people and tests looking at the headers).
HIT_HEADER = "X-Page-Cache"
# Only the headers a response may vary on and still be the same for every visitor.
SHARED_VARY = {"cookie", "accept-language", "accept-encoding"}
PRIVATE_CACHE_CONTROL = {"private", "no-store", "no-cache"}
# Longer query strings are answered but not kept (the cache is for pages people link to).
MAX_QUERY_LENGTH = 1000
# The request's attribute holding what ServeCachedPageMiddleware read for StorePageMiddleware.
PENDING = "_page_cache_pending"
NOT_KEPT_HEADERS = {"content-length", HIT_HEADER.lower()}
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def cache_alias() -> str:
    return getattr(settings, "PAGE_CACHE_ALIAS", "default")


def page_cache():
    return caches[cache_alias()]


@cache
def nonce_placeholder() -> bytes:
    """What a kept page holds where its nonce was: the same in every process, and nothing
    anybody can guess (derived from ``SECRET_KEY``)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"page-cache-csp-nonce", hashlib.sha256)
    return f"pagecache-nonce-{digest.hexdigest()[:32]}".encode()


# --- Which requests -------------------------------------------------------------------------


def sections_of(request) -> tuple[str, ...]:
    """The sections the page of ``request`` shows, from ``settings.PAGE_CACHE_PATHS``; ()
    for a page that is never kept."""
    if request.method not in ("GET", "HEAD") or settings.PAGE_CACHE_SECONDS <= 0:
        return ()
    _empty, language, rest = (request.path_info.split("/", 2) + ["", ""])[:3]
    if language not in dict(settings.LANGUAGES) or request.path_info == f"/{language}":
        return ()
    best = None
    for prefix in settings.PAGE_CACHE_PATHS:
        matches = rest.startswith(prefix) if prefix else rest == ""
        if matches and (best is None or len(prefix) > len(best)):
            best = prefix
    return tuple(settings.PAGE_CACHE_PATHS[best]) if best is not None else ()


def is_anonymous(request) -> bool:
    """Nobody logged in, and no message waiting to be shown to this visitor."""
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated) and not len(get_messages(request))


def page_key(request) -> str:
    """The page's key: its language and a digest of its full address (scheme, host, path
    and query string as sent; links in a page may be absolute) and of the cookies that
    change what a page shows (``settings.PAGE_CACHE_COOKIES``: the time zone a visitor
    chose for events' times), so that each value of them has its own page."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    for name in getattr(settings, "PAGE_CACHE_COOKIES", ()):
        address += f"\n{name}={request.COOKIES.get(name, '')[:100]}"
    digest = hashlib.sha256(address.encode()).hexdigest()[:40]
    return PAGE_KEY.format(language=getattr(request, "LANGUAGE_CODE", ""), digest=digest)


def generation_key(section: str) -> str:
    return GENERATION_KEY.format(section=section)


# --- Changes --------------------------------------------------------------------------------


class PendingChanges:
    """The sections a transaction changed; once it commits, each gets a new generation."""

    def __init__(self):
        self.sections: set[str] = set()

    def __call__(self) -> None:
        if self.sections:
            bump(self.sections)


def new_generation() -> str:
    """A generation: when it began, and something nobody else draws."""
    return f"{time.time():.3f}:{secrets.token_hex(6)}"


def age(generation: str) -> float:
    try:
        return time.time() - float(generation.split(":", 1)[0])
    except ValueError:
        return float("inf")


def bump(sections) -> None:
    """New generations for ``sections`` now: their kept pages are rendered again."""
    page_cache().set_many(
        {generation_key(section): new_generation() for section in sections}, timeout=None
    )


def _pending(create: bool) -> PendingChanges | None:
    connection = transaction.get_connection()
    pending = getattr(connection, "page_cache_pending_changes", None)
    if pending is not None and waits_for_commit(pending):
        return pending
    if not create:
        return None
    pending = connection.page_cache_pending_changes = PendingChanges()
    return pending


def changed(*sections: str) -> None:
    """What ``sections`` show has changed: their pages are rendered again once the
    transaction under way commits (at once outside a transaction). Robust: the change is
    committed; a cache that fails then is logged, never turned into an error for whoever
    saved it, and the pages expire after ``PAGE_CACHE_SECONDS`` anyway. Nothing to do
    while no page is kept (``PAGE_CACHE_SECONDS`` 0)."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return
    pending = _pending(create=False)
    if pending is None:
        pending = _pending(create=True)
        pending.sections.update(sections)
        transaction.on_commit(pending, robust=True)
    else:
        pending.sections.update(sections)


def changes_pending() -> bool:
    """Whether the transaction under way changed something a page shows (its pages are
    then read fresh: the cache holds what was committed)."""
    return _pending(create=False) is not None


# --- Reading and writing pages ---------------------------------------------------------------


def read(request, sections: tuple[str, ...]) -> tuple[HttpResponse | None, dict | None]:
    """The kept page for ``request`` if it is there and current, and otherwise what a
    page rendered now would be kept under (None: do not keep it), in one cache request."""
    key = page_key(request)
    generation_keys = [generation_key(section) for section in sections]
    cache = page_cache()
    found = cache.get_many([key, *generation_keys])
    generations = [found.get(name) for name in generation_keys]
    if None in generations:
        # A section seen for the first time (or forgotten by the cache): a new generation,
        # unless another request gave it one meanwhile, then this page is not kept.
        missing = {
            name: new_generation()
            for name, value in zip(generation_keys, generations, strict=True)
            if value is None
        }
        for name, token in missing.items():
            if not cache.add(name, token, timeout=None):
                return None, None
        generations = [found.get(name) or missing[name] for name in generation_keys]
    entry = found.get(key)
    if entry is not None and entry["generations"] == generations:
        return rebuild(request, entry), None
    return None, {"key": key, "generations": generations}


def rebuild(request, entry: dict) -> HttpResponse:
    content = entry["content"]
    headers = entry["headers"]
    compressed = entry["gzip"]
    if compressed and not ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        content, compressed = gzip.decompress(content), False
    if entry["nonce"]:
        # A fresh nonce, which the CSP middleware then puts in this response's header.
        lazy_nonce = getattr(request, "_csp_nonce", None)
        nonce = str(lazy_nonce) if lazy_nonce is not None else secrets.token_urlsafe(16)
        content = content.replace(nonce_placeholder(), nonce.encode())
        placeholder = nonce_placeholder().decode()
        headers = [(name, value.replace(placeholder, nonce)) for name, value in headers]
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    if entry["gzip"]:
        patch_vary_headers(response, ("Accept-Encoding",))
    if compressed:
        response["Content-Encoding"] = "gzip"
    response[HIT_HEADER] = "hit"
    return response


def keepable(request, response) -> bool:
    """Whether ``response`` is the same page every anonymous visitor would get (see the
    module's documentation)."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or not is_anonymous(request):
        return False
    if CSP.HEADER_ENFORCE in response or CSP.HEADER_REPORT_ONLY in response:
        return False
    directives = {
        token.split("=", 1)[0].strip().lower()
        for token in split_header_value(response.get("Cache-Control", ""))
    }
    if directives & PRIVATE_CACHE_CONTROL:
        return False
    vary = {token.lower() for token in split_header_value(response.get("Vary", ""))}
    return not (vary - SHARED_VARY)


def replicas_may_lag_behind(generations) -> bool:
    """Whether a section changed so recently that a read replica may not show it yet: the
    page, read from one, is then answered but not kept (``REPLICA_PIN_SECONDS`` is how long
    the site allows a replica to be behind, see common/db_router.py)."""
    if not getattr(settings, "DATABASE_REPLICAS", None):
        return False
    lag = getattr(settings, "REPLICA_PIN_SECONDS", 10)
    return any(age(generation) < lag for generation in generations)


def store(request, response, pending: dict) -> None:
    if replicas_may_lag_behind(pending["generations"]):
        return
    content = response.content
    headers = [
        (name, value) for name, value in response.items() if name.lower() not in NOT_KEPT_HEADERS
    ]
    nonce = getattr(request, "_csp_nonce", None)
    used_nonce = bool(nonce)  # LazyNonce: true once something has read it
    if used_nonce:
        if nonce_placeholder() in content:
            return
        content = content.replace(str(nonce).encode(), nonce_placeholder())
        placeholder = nonce_placeholder().decode()
        headers = [(name, value.replace(str(nonce), placeholder)) for name, value in headers]
    else:
        # Kept compressed, as most browsers take it: smaller in the cache, and sent as it is
        # (the page holds no secret, see icmd/compression.py).
        content = compress_string(content)
    entry = {
        "generations": pending["generations"],
        "headers": headers,
        "content": content,
        "gzip": not used_nonce,
        "nonce": used_nonce,
    }
    page_cache().set(pending["key"], entry, settings.PAGE_CACHE_SECONDS)


class ServeCachedPageMiddleware:
    """Answers an anonymous visitor's GET from the cache when the page is kept and
    current; otherwise notes, for ``StorePageMiddleware``, under which key and generations
    the page being rendered may be kept. Last in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sections = sections_of(request)
        if (
            sections
            and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_LENGTH
            and is_anonymous(request)
            and not changes_pending()
        ):
            try:
                response, pending = read(request, sections)
            except Exception:  # any cache backend's failure (database, Redis, memcached)
                logger.exception("Page cache: a page could not be read.")
                response, pending = None, None
            if response is not None:
                return response
            if pending is not None and settings.SESSION_COOKIE_NAME not in request.COOKIES:
                setattr(request, PENDING, pending)
        return self.get_response(request)


class StorePageMiddleware:
    """Keeps the page ``ServeCachedPageMiddleware`` let through, if it is the same for
    every anonymous visitor. Above the middlewares that set cookies (session, CSRF,
    messages), so that it sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        pending = getattr(request, PENDING, None)
        if (
            pending is not None
            and request.method == "GET"
            and keepable(request, response)
            and not changes_pending()
        ):
            try:
                store(request, response, pending)
            except Exception:
                logger.exception("Page cache: a page could not be written.")
        return response
