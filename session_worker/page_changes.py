"""A linked session whose page booted changed (PAGE_CHANGED, session_worker/session.py) waits before it opens its
page again: 5 s, then twice as long each time, up to PAGE_CHANGED_RETRY_MAX_S, or less when the pin changes
(session_worker/builds.py: a pin to a known-good build is what brings it back while the live page stays changed).
It never reloads in a loop; cancelling the session's task (stop, release, fencing, the worker's stop) ends the
wait. A session that would show a QR does not wait: it ended.
"""

from __future__ import annotations

import dataclasses
import logging

from session_worker.builds import Builds
from session_worker.session_life import SessionLife

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager

FIRST_RETRY_S = 5.0


@dataclasses.dataclass(frozen=True)
class PageChangeWait:
    builds: Builds
    retry_max_s: float  # PAGE_CHANGED_RETRY_MAX_S

    async def wait(self, session: SessionLife) -> None:
        """Wait the session's next pause (or until the pin changes), then let its page open again. A pin that
        changed while the page was opening (after the last wait) is tried at once."""
        if session.page_retry_s and session.pin_tried != self.builds.pin:
            session.page_retry_s, session.pin_tried = 0.0, self.builds.pin
            log.info("page opening again: the pin changed", extra=session.log_extra(pin=self.builds.pin))
            return
        pause = min(session.page_retry_s or FIRST_RETRY_S, self.retry_max_s)
        session.page_retry_s = min(pause * 2, self.retry_max_s)
        extra = session.log_extra(build=session.page_down, retry_in_s=pause, pin=self.builds.pin)
        log.warning("page changed: opening it again later", extra=extra)
        if await self.builds.pin_changed(within=pause):
            session.page_retry_s = 0.0  # a new pin: tried at once, and from the first pause again
            log.info("page opening again: the pin changed", extra=session.log_extra(pin=self.builds.pin))
        session.pin_tried = self.builds.pin
