"""The replay guard of the signed API: a verified request's ``webhook-id`` is refused if seen again while its
timestamp is still acceptable (twice shared/signing.py's tolerance)."""

from __future__ import annotations

import time

from shared.signing import TOLERANCE_SECONDS


class ReplayGuard:
    """Remembers the ids of verified requests for as long as their timestamps are acceptable."""

    def __init__(self, window_s: float = 2 * TOLERANCE_SECONDS) -> None:
        self.window_s = window_s
        self._seen: dict[str, float] = {}

    def check_and_remember(self, request_id: str) -> bool:
        now = time.monotonic()
        if len(self._seen) > 1000:
            self._seen = {key: until for key, until in self._seen.items() if until > now}
        until = self._seen.get(request_id)
        if until is not None and until > now:
            return False
        self._seen[request_id] = now + self.window_s
        return True
