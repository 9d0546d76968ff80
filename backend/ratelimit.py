"""Request counters in the configured cache (Redis in production and tests; `make run`'s is in-process).

A window starts at the first request it counts and lasts the rate's period, so a burst is never split across
a clock boundary: ``hit`` counts one request and says how long to wait once the count is over the limit. On
Redis a request is counted in one round trip: ``INCR``, ``EXPIRE ... NX`` (the window's end is set by the
request that opens it, never moved by later ones) and ``PTTL`` (the time left, for Retry-After), pipelined.
Rates are ``<count>/<second|minute|hour|day>`` (settings parsed by ``backend.env.env_rate``). While Redis cannot
be reached (a restart), requests are let through uncounted, with a warning: a signed event is never lost nor
answered 500 for a counter.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis import Redis
from redis.exceptions import RedisError

from backend.env import RATE_PERIODS

log = logging.getLogger(__name__)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/minute"`` -> ``(60, 60)``: the limit and the window in seconds."""
    count, _, period = rate.partition("/")
    return int(count), RATE_PERIODS[period]


def hit(*, scope: str, key: str, rate: str) -> int | None:
    """Count one request; None while within the rate, else the seconds until its window ends (Retry-After)."""
    limit, window_s = parse_rate(rate)
    counters = caches["default"]
    if isinstance(counters, RedisCache):
        try:
            count, left_s = _count_on_redis(counters, f"ratelimit:{scope}:{key}", window_s)
        except RedisError as exc:  # Redis restarting: the request goes on uncounted (a limit is not a reason to fail)
            log.warning("rate limit not counted: Redis unavailable", extra={"scope": scope, "error": str(exc)})
            return None
    else:
        count, left_s = _count_in_cache(counters, f"ratelimit:{scope}:{key}", window_s)
    if count <= limit:
        return None
    return max(1, math.ceil(left_s()))


def _count_on_redis(counters: RedisCache, key: str, window_s: int) -> tuple[int, Callable[[], float]]:
    """One round trip: the request's count in its window and the window's seconds left.

    No MULTI/EXEC: another request's commands may come between these, which changes nothing (``EXPIRE ... NX``
    sets the window's end once), and a counter somehow left without an expiry gets one from the next request."""
    key = counters.make_and_validate_key(key)
    with _redis().pipeline(transaction=False) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_s, nx=True)
        pipe.pttl(key)
        count, _, left_ms = pipe.execute()
    return count, lambda: left_ms / 1000


def _redis() -> Redis:
    """A Redis client on the cache's server (its LOCATION), one per process and location: redis-py's own client,
    since Django's cache API has no pipeline (and building its client per call was a third of a counted
    request's CPU)."""
    location = settings.CACHES["default"]["LOCATION"]
    key = (os.getpid(), location)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = Redis.from_url(location)
    return client


_clients: dict[tuple[int, str], Redis] = {}


def _count_in_cache(counters: BaseCache, key: str, window_s: int) -> tuple[int, Callable[[], float]]:
    """The same with the cache's API (`make run`'s in-process cache): the window's start in a key of its own,
    read only when the count is over."""
    now = time.time()
    try:
        count = counters.incr(f"{key}:count")  # no add first: one call while a window is open (the common case)
    except ValueError:  # no open window: this request opens one (or, racing another, counts in the other's)
        if counters.add(f"{key}:count", 1, timeout=window_s):
            counters.set(f"{key}:start", now, timeout=window_s)
            return 1, lambda: window_s
        try:
            count = counters.incr(f"{key}:count")
        except ValueError:  # the window opened by the other request already ended
            return 1, lambda: window_s
    return count, lambda: counters.get(f"{key}:start", now) + window_s - now


def seen_before(*, scope: str, key: str, within_s: int) -> bool:
    """True if ``key`` was already seen in ``scope`` within ``within_s`` seconds (a replayed signed request);
    it is remembered otherwise."""
    return not cache.add(f"seen:{scope}:{key}", 1, timeout=within_s)
