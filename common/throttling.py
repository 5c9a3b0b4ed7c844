"""Rate limits counted in one round trip, shared by every process.

Django REST framework's own throttles keep, per client, the list of its recent requests in
the cache: a read and a write per request, six queries with the database cache. Here a
request is counted in one statement: in Redis when the default cache is Redis (one
pipelined ``SET NX EX``, ``INCR``, ``PTTL``), otherwise in PostgreSQL, as one atomic upsert
into the unlogged table of ``common.RateCount``:

    INSERT … ON CONFLICT (key) DO UPDATE SET count = count + 1 (or 1 once the window ended)
    RETURNING count, window_ends

A client's window starts with its first request and lasts the limit's duration (a minute
for ``120/minute``): it gets ``N`` requests in it, and the answer to one more says how long
until the window ends (``Retry-After``). A client that keeps within the limit is never
refused; one that sends ``N`` requests at the end of a window and ``N`` more at the start
of the next gets them all, which is the price of one row per client instead of one per
request. About once every ``SWEEP_ONE_IN`` requests, the same statement also deletes the
rows of windows that have ended.
"""

import math
import random
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from rest_framework import throttling
from rest_framework.settings import api_settings

from common.models import RateCount

SWEEP_ONE_IN = 1000
RATE_KEY = "rate:{key}"

UPSERT = """
WITH swept AS (
    DELETE FROM {table} WHERE %(sweep)s AND window_ends < %(now)s AND key <> %(key)s
)
INSERT INTO {table} AS counted (key, count, window_ends)
VALUES (%(key)s, 1, %(ends)s)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN counted.window_ends > %(now)s THEN counted.count + 1 ELSE 1 END,
    window_ends = CASE
        WHEN counted.window_ends > %(now)s THEN counted.window_ends ELSE EXCLUDED.window_ends
    END
RETURNING count, window_ends
"""


@dataclass(frozen=True)
class Counted:
    count: int  # requests in the window, this one included
    retry_after: float  # seconds until the window ends


def _count_in_redis(cache: RedisCache, key: str, duration: int) -> tuple[int, float]:
    name = cache.make_and_validate_key(RATE_KEY.format(key=key))
    client = cache._cache.get_client(name, write=True)
    pipeline = client.pipeline(transaction=True)
    pipeline.set(name, 0, ex=duration, nx=True)  # the first request opens the window
    pipeline.incr(name)
    pipeline.pttl(name)
    _opened, counted, milliseconds = pipeline.execute()
    return int(counted), max(0, milliseconds) / 1000


def _count_in_database(key: str, duration: int, now: float) -> tuple[int, float]:
    sql = UPSERT.format(table=connection.ops.quote_name(RateCount._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "key": key,
                "now": now,
                "ends": now + duration,
                "sweep": random.randrange(SWEEP_ONE_IN) == 0,  # noqa: S311 - not a secret
            },
        )
        counted, window_ends = cursor.fetchone()
    return counted, window_ends - now


def count(key: str, duration: int) -> Counted:
    """Count one request under ``key``, in its window of ``duration`` seconds."""
    duration = max(1, int(duration))
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        counted, retry_after = _count_in_redis(cache, key, duration)
    else:
        counted, retry_after = _count_in_database(key, duration, time.time())
    return Counted(counted, retry_after)


class SharedCountThrottle:
    """For a subclass of DRF's ``SimpleRateThrottle``: requests counted by ``count()``
    (one query or one Redis round trip), the rate read from the settings at each request."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.counted = count(key, self.duration)
        return self.counted.count <= self.num_requests

    def wait(self):
        return math.ceil(self.counted.retry_after) or 1


class AnonRateThrottle(SharedCountThrottle, throttling.AnonRateThrottle):
    """DRF's throttle of anonymous clients (per address; logged-in users are not counted),
    counted by ``count()``."""
