"""A cache backend whose server can go away, for tests of what happens then."""

from django.core.cache.backends.locmem import LocMemCache


class CacheServerGone(ConnectionError):
    pass


class OutageCache(LocMemCache):
    """An in-memory cache that works until ``OutageCache.down`` is set, then fails every
    call as a cache server that went away does (a connection error)."""

    down = False

    def _reachable(self):
        if type(self).down:
            raise CacheServerGone("The cache server cannot be reached.")

    def add(self, *args, **kwargs):
        self._reachable()
        return super().add(*args, **kwargs)

    def get(self, *args, **kwargs):
        self._reachable()
        return super().get(*args, **kwargs)

    def set(self, *args, **kwargs):
        self._reachable()
        return super().set(*args, **kwargs)

    def touch(self, *args, **kwargs):
        self._reachable()
        return super().touch(*args, **kwargs)

    def incr(self, *args, **kwargs):
        self._reachable()
        return super().incr(*args, **kwargs)

    def has_key(self, *args, **kwargs):
        self._reachable()
        return super().has_key(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._reachable()
        return super().delete(*args, **kwargs)

    def clear(self):
        self._reachable()
        return super().clear()
