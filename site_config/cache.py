"""Redis as the shared cache, without making it a way for the whole site to fail.

Everything the site keeps in the cache can be done without: pages are rendered again, the site
identity is read from the database, the contact form's rate limit lets messages through. So a
Redis that is down, restarting or unreachable costs speed, not pages: each call that fails gives
what a cache miss gives, and the process leaves Redis alone for `RETRY_SECONDS` before trying
again, so that no request waits on a dead server more than once in that time. The first failure
of an outage is logged as an error (mailed to ADMINS in production), once per process; the
return of Redis as a warning.

When Redis answers again, the process that saw it away empties the cache's database: an edit
saved meanwhile could not change the content stamp there (blog/cache.py), and the pages kept
under the old stamp would be served as if nothing had changed.

Without this, Django's Redis backend raises, and every page, the contact form included (before
the reader's message is stored), answered 500 while Redis was away.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("carnet.cache")

RETRY_SECONDS = 5.0


class _Health:
    """Whether this process may try Redis now, per server address."""

    def __init__(self):
        self.down_until: dict[str, float] = {}

    def may_try(self, location: str) -> bool:
        return time.monotonic() >= self.down_until.get(location, 0.0)

    def failed(self, location: str, error: Exception) -> None:
        if location not in self.down_until:
            logger.error(
                "The cache at %s cannot be reached (%s): pages are served without it.",
                location,
                error,
            )
        self.down_until[location] = time.monotonic() + RETRY_SECONDS

    def answered(self, location: str) -> bool:
        """Whether this answer ends an outage."""
        if self.down_until.pop(location, None) is None:
            return False
        logger.warning("The cache at %s answers again: emptied of what the outage left.", location)
        return True


_health = _Health()


def _or_miss(name: str, miss):
    """RedisCache's method `name`, giving `miss(*args, **kwargs)` when Redis fails."""
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        location = ",".join(self._servers)
        if not _health.may_try(location):
            return miss(*args, **kwargs)
        try:
            result = method(self, *args, **kwargs)
        except RedisError as error:
            _health.failed(location, error)
            return miss(*args, **kwargs)
        if _health.answered(location):
            try:
                RedisCache.clear(self)
            except RedisError as error:
                _health.failed(location, error)
        return result

    return call


def _default(key, default=None, version=None):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _counted_once(key, delta=1, version=None):
    # As if the counter had just been created: a rate limit lets the message through.
    return delta


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, whose failures are cache misses (see the module's docstring)."""

    get = _or_miss("get", _default)
    get_many = _or_miss("get_many", lambda keys, version=None: {})
    has_key = _or_miss("has_key", _false)
    set = _or_miss("set", _nothing)
    set_many = _or_miss("set_many", lambda data, timeout=None, version=None: list(data))
    add = _or_miss("add", _false)
    touch = _or_miss("touch", _false)
    incr = _or_miss("incr", _counted_once)
    delete = _or_miss("delete", _false)
    delete_many = _or_miss("delete_many", _nothing)
    clear = _or_miss("clear", _false)
