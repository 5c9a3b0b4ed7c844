"""Reads from PostgreSQL read replicas, writes to the primary, and people read what they
have just written.

Used only when replicas are configured (``DATABASE_REPLICA_URLS`` or ``DATABASE_REPLICA_URL``:
their aliases are ``settings.DATABASE_REPLICAS``); without them the site has one database
and none of this is installed. A replica follows the primary by streaming replication, a
little behind it. The rules:

- Every write goes to the primary (``default``), and so do migrations: a replica is read-only.
- Only requests read from a replica: a safe request (GET, HEAD, OPTIONS) reads from one
  replica, the same for the whole request (``PrimaryPinningMiddleware``). Everything else
  (the background worker, management commands, the shell) reads from the primary, which
  is never behind: a task never misses the row whose commit scheduled it.
- A request that writes (a POST, or any write through the ORM) reads from the primary for
  the rest of the request, and the person who sent it for ``REPLICA_PIN_SECONDS`` more (a
  cookie, ``read_primary``): after posting, they see their post at once, wherever the
  replica is. A person who wrote nothing recently reads from the replica.
- Reads inside a transaction on the primary stay on the primary, and so do the reads of
  objects loaded from it (their relations).
- The cache table (Django's DatabaseCache, when ``REDIS_URL`` is unset) is always read on the
  primary: rate limits count on it, and a count must see the last increment.

The state lives in a context variable: each thread of a gunicorn worker, and each request
of an asynchronous server, has its own.
"""

import random
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PRIMARY = DEFAULT_DB_ALIAS
PIN_COOKIE = "read_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The app label of the model Django's DatabaseCache reads and writes through the router.
CACHE_APP_LABEL = "django_cache"


@dataclass
class _Request:
    replica: str | None  # the replica this request reads from; None: the primary
    wrote: bool = False


_current: ContextVar[_Request | None] = ContextVar("database_reads", default=None)


@contextmanager
def replica_reads(alias: str | None):
    """For the time of the block (a request), reads go to the replica ``alias`` (None: the
    primary) until something is written. Yields the state, whose ``wrote`` tells whether
    anything was."""
    state = _Request(replica=alias)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def _is_cache(model) -> bool:
    return model._meta.app_label == CACHE_APP_LABEL


class PrimaryReplicaRouter:
    """``DATABASE_ROUTERS`` entry when replicas are configured (module docstring)."""

    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None or state.replica is None or _is_cache(model):
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return state.replica

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None and not _is_cache(model):
            state.wrote = True
            state.replica = None
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Every database holds the same rows: the primary and its copies.
        databases = {PRIMARY, *settings.DATABASE_REPLICAS}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db in settings.DATABASE_REPLICAS:
            return False
        return None


class PrimaryPinningMiddleware:
    """Chooses where a request reads (module docstring) and, after a request that wrote,
    sets the ``read_primary`` cookie that keeps its sender on the primary for
    ``REPLICA_PIN_SECONDS``. Placed before anything that touches the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with replica_reads(self.replica_for(request)) as state:
            response = self.get_response(request)
        if state.wrote or request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def replica_for(request) -> str | None:
        replicas = settings.DATABASE_REPLICAS
        if not replicas or request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
            return None
        return random.choice(replicas)
