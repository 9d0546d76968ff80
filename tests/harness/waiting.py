"""Waiting on a condition, never on the clock: poll a probe until it returns something truthy.

The suites share two cores with other jobs, so a probe is given a generous ``within`` and returns as soon as
the condition holds; a timeout fails with what was awaited and the last transient error seen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


def wait_until(
    probe: Callable[[], Any],
    *,
    within: float,
    what: str,
    every: float = 0.2,
    transient: tuple[type[BaseException], ...] = (),
) -> Any:
    """Call ``probe`` until it returns something truthy (returned), or raise TimeoutError after ``within`` s.

    Exceptions of the ``transient`` types (a service restarting, say) count as "not yet"; any other one
    propagates at once."""
    deadline = time.monotonic() + within
    last_error: BaseException | None = None
    while True:
        try:
            value = probe()
        except transient as exc:
            last_error, value = exc, None
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no {what} within {within} s (last error: {last_error})")
        time.sleep(every)


async def wait_until_async(
    probe: Callable[[], Any | Awaitable[Any]], *, within: float = 10.0, what: str = "condition", every: float = 0.05
) -> Any:
    """``wait_until`` for a test on an event loop: ``probe`` may be sync or async; the loop keeps running."""
    try:
        async with asyncio.timeout(within):
            while not (value := await _call(probe)):
                await asyncio.sleep(every)
            return value
    except TimeoutError:
        raise TimeoutError(f"no {what} within {within} s") from None


async def _call(probe: Callable[[], Any | Awaitable[Any]]) -> Any:
    value = probe()
    return await value if asyncio.iscoroutine(value) else value
