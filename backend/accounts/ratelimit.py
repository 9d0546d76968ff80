"""A fixed-window request counter in the configured cache (Redis in production and tests)."""

from __future__ import annotations

import math
import time

from django.core.cache import cache


def hit(*, scope: str, key: str, limit: int, window_s: int = 60) -> int | None:
    """Count one request; return None while within ``limit``, else the seconds until the window ends."""
    now = time.time()
    window = int(now // window_s)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=window_s + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the key expired between add and incr
        cache.set(cache_key, 1, timeout=window_s + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * window_s - now))
