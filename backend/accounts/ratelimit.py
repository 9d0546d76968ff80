"""Request counters in the configured cache (Redis in production and tests; `make run`'s is in-process).

A window starts at the first request it counts and lasts the rate's period, so a burst is never split across
a clock boundary: ``hit`` counts one request and says how long to wait once the count is over the limit.
Rates are ``<count>/<second|minute|hour|day>`` (settings parsed by ``backend.env.env_rate``).
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache

from backend.env import RATE_PERIODS


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/minute"`` -> ``(60, 60)``: the limit and the window in seconds."""
    count, _, period = rate.partition("/")
    return int(count), RATE_PERIODS[period]


def hit(*, scope: str, key: str, rate: str) -> int | None:
    """Count one request; None while within the rate, else the seconds until its window ends (Retry-After)."""
    limit, window_s = parse_rate(rate)
    base = f"ratelimit:{scope}:{key}"
    now = time.time()
    try:
        count = cache.incr(f"{base}:count")  # no add first: one call while a window is open (the common case)
    except ValueError:  # no open window: this request opens one (or, racing another, counts in the other's)
        if cache.add(f"{base}:count", 1, timeout=window_s):
            cache.set(f"{base}:start", now, timeout=window_s)
            return None
        try:
            count = cache.incr(f"{base}:count")
        except ValueError:  # the window opened by the other request already ended
            return None
    if count <= limit:
        return None
    started = cache.get(f"{base}:start", now)
    return max(1, math.ceil(started + window_s - now))


def seen_before(*, scope: str, key: str, within_s: int) -> bool:
    """True if ``key`` was already seen in ``scope`` within ``within_s`` seconds (a replayed signed request);
    it is remembered otherwise."""
    return not cache.add(f"seen:{scope}:{key}", 1, timeout=within_s)
