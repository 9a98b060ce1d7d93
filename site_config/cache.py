"""Redis as the shared cache, without making it a way for the whole site to fail.

Everything the site keeps in the cache can be done without: pages are rendered again, the site
identity is read from the database, the contact form's rate limit lets messages through. So a
Redis that is down, restarting, unreachable or slow costs speed, not pages: a call that fails
gives what a cache miss gives, and the process then leaves Redis alone for `RETRY_SECONDS`, so
that no request waits on it more than once in that time. A call that succeeds but takes more
than `SLOW_SECONDS` counts as a failure for that pause.

An outage is logged as a warning when a process first meets it, and as an error (mailed to
ADMINS in production) once by each process it lasts `ESCALATE_SECONDS` for; a blip mails nobody.
The server's address is logged without its password.

Pages cached before an outage are not served after it if an edit was saved meanwhile: the
content stamp also lives in a file on the host (blog/cache.py).
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("carnet.cache")

RETRY_SECONDS = 5.0
SLOW_SECONDS = 0.25
ESCALATE_SECONDS = 60.0
QUIET_SECONDS = 30.0


def shown(location: str) -> str:
    """The server's address for a log line: scheme, host, port and database, no password."""
    shown = []
    for server in location.split(","):
        parts = urlsplit(server)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        shown.append(f"{parts.scheme}://{host}{port}{parts.path}")
    return ",".join(shown)


@dataclass
class _Outage:
    since: float
    until: float
    last_failure: float
    escalated: bool = False


class _Health:
    """Whether this process may try Redis now, per server address.

    An outage ends after `QUIET_SECONDS` without a failure, not at the first call that
    succeeds: a Redis that answers reads but refuses writes (disk or memory full) is one
    long outage, reported as such, not a new one every few seconds.
    """

    def __init__(self):
        self.outages: dict[str, _Outage] = {}

    def may_try(self, location: str) -> bool:
        outage = self.outages.get(location)
        return outage is None or time.monotonic() >= outage.until

    def failed(self, location: str, why: str) -> None:
        now = time.monotonic()
        outage = self.outages.get(location)
        if outage is None:
            self.outages[location] = _Outage(since=now, until=now + RETRY_SECONDS, last_failure=now)
            logger.warning(
                "The cache at %s failed (%s): pages are served without it.", shown(location), why
            )
            return
        outage.until = now + RETRY_SECONDS
        outage.last_failure = now
        if not outage.escalated and now - outage.since >= ESCALATE_SECONDS:
            outage.escalated = True
            logger.error(
                "The cache at %s has failed for %d s (last: %s): pages are served without it.",
                shown(location),
                now - outage.since,
                why,
            )

    def answered(self, location: str) -> None:
        outage = self.outages.get(location)
        if outage is not None and time.monotonic() - outage.last_failure >= QUIET_SECONDS:
            del self.outages[location]
            logger.warning("The cache at %s answers again.", shown(location))


_health = _Health()


def _or_miss(name: str, miss):
    """RedisCache's method `name`, giving `miss(*args, **kwargs)` when Redis fails."""
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        location = ",".join(self._servers)
        if not _health.may_try(location):
            return miss(*args, **kwargs)
        started = time.monotonic()
        try:
            result = method(self, *args, **kwargs)
        except RedisError as error:
            _health.failed(location, str(error))
            return miss(*args, **kwargs)
        elapsed = time.monotonic() - started
        if elapsed > SLOW_SECONDS:
            _health.failed(location, f"took {elapsed:.2f} s to answer")
        else:
            _health.answered(location)
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
