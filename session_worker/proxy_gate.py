"""A session's proxy checked before each page open (the first, and each reopen after a crash): the page opens
only through a proxy that answers and reaches WhatsApp Web (session_worker/proxy_check.py), never around it.

A failed check is counted (``wa_worker_proxy_failures_total{reason}``) and logged with the session's id and the
proxy's address (never its credentials). A session that would show a QR (no kept auth) then ends:
``session_disconnected`` PROXY_UNREACHABLE or PROXY_AUTH_FAILED, no page, no QR. A session with kept auth (a
restore, a move here, a linked session's reopen) says so once per outage and stays STARTING, its lease held and
its auth kept, checking again after 2 s, then twice as long each time up to PROXY_RETRY_MAX_S, until the proxy
passes; its page then opens as usual, without a QR. Cancelling the session's task (stop, release, fencing, the
worker's stop) ends the wait.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from session_worker.metrics import Metrics
from session_worker.proxy_check import check_proxy
from session_worker.session_life import SessionLife
from session_worker.settings import Settings

FIRST_RETRY_S = 2.0


@dataclasses.dataclass(frozen=True)
class ProxyGate:
    target_url: str  # WA_WEB_URL
    timeout_s: float  # PROXY_CHECK_TIMEOUT_S
    retry_max_s: float  # PROXY_RETRY_MAX_S
    count_failure: Callable[[str], None]  # the metric, by reason

    @classmethod
    def of(cls, settings: Settings, metrics: Metrics) -> ProxyGate:
        """The worker's gate: WA_WEB_URL, PROXY_CHECK_TIMEOUT_S, PROXY_RETRY_MAX_S, the failures' metric."""
        return cls(
            target_url=settings.wa_web_url,
            timeout_s=settings.proxy_check_timeout_s,
            retry_max_s=settings.proxy_retry_max_s,
            count_failure=lambda reason: metrics.proxy_failures.labels(reason=reason).inc(),
        )

    async def clear(self, session: SessionLife) -> bool:
        """Wait until the session's proxy (if any) passes its check: True to open the page, False when the
        session ended instead (it had no kept auth to wait with)."""
        proxy = session.proxy
        if proxy is None:
            return True
        pause = FIRST_RETRY_S
        while True:
            result = await check_proxy(proxy, self.target_url, timeout_s=self.timeout_s)
            if result.ok:
                session.proxy_passed()
                return True
            assert result.reason is not None
            self.count_failure(result.reason.value)
            await session.proxy_failed(result.reason, result.detail)
            if not session.restoring:
                return False
            await asyncio.sleep(min(pause, self.retry_max_s))
            pause = min(pause * 2, self.retry_max_s)
