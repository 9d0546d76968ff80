"""A session's task: open its page (once its proxy, if any, passes its check: session_worker/proxy_gate.py), hand the
page's reports to the session one at a time, in order, open it again after a wait when it booted changed
(session_worker/page_changes.py), and after a crash of the page or of the browser (at most CRASH_RESTART_LIMIT times
within CRASH_WINDOW_S), checking its proxy again first. What each report does is the session's business
(session_worker/session.py); the page must boot within PAGE_TIMEOUT_S and then settle within the session's own
deadlines.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from playwright.async_api import Error as PlaywrightError

from session_worker.browser import BrowserHost
from session_worker.metrics import Metrics
from session_worker.page import SessionPage
from session_worker.page_changes import PageChangeWait
from session_worker.proxy_gate import ProxyGate
from session_worker.session import Session
from session_worker.settings import Settings

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager

CRASH_WINDOW_S = 600  # CRASH_RESTART_LIMIT counts the restarts within this window


async def _open() -> bool:
    return True


class PageLost(Exception):
    """The page or the browser died: report, then open the session again from its kept auth."""


@dataclasses.dataclass(frozen=True)
class SessionTask:
    """How the worker runs its sessions' pages (one instance serves every session)."""

    page_timeout_s: float  # PAGE_TIMEOUT_S: the page's boot
    crash_restart_limit: int  # CRASH_RESTART_LIMIT
    browser_ready: Callable[[], bool]  # whether the browser is up (a page error then is the page's own)
    count_restart: Callable[[str], None]  # a restart after a crash, by cause (the metric)
    stopping: Callable[[], bool]  # a planned stop is under way: what goes wrong now is its doing, not reported
    # The session's proxy, if any, checked before each page open (session_worker/proxy_gate.py): True to open the
    # page, False when the session ended instead.
    clear_proxy: Callable[[Session], Awaitable[bool]] = lambda _session: _open()
    # A linked session whose page booted changed waits before it opens again (session_worker/page_changes.py).
    after_page_change: Callable[[Session], Awaitable[None]] = lambda _session: _open()

    @classmethod
    def of(cls, settings: Settings, metrics: Metrics, host: BrowserHost, stopping: Callable[[], bool]) -> SessionTask:
        """The worker's: its settings, the restarts' metric, the proxy gate, the wait after a changed page."""
        return cls(
            page_timeout_s=settings.page_timeout_s,
            crash_restart_limit=settings.crash_restart_limit,
            browser_ready=lambda: host.ready,
            count_restart=lambda cause: metrics.restarts.labels(cause=cause).inc(),
            stopping=stopping,
            clear_proxy=ProxyGate.of(settings, metrics).clear,
            after_page_change=PageChangeWait(host.builds, settings.page_changed_retry_max_s).wait,
        )

    async def run(self, session: Session) -> None:
        restarts: list[float] = []  # when the recent restarts happened
        while True:
            try:
                if not await self.clear_proxy(session):
                    return
                await self._consume(session, await session.open_page())
                if session.page_down is None:
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.stopping():
                    return  # the stop closed the page or the browser under the session: no crash, nothing sent
                cause = await self._settle(session, exc)
                if cause is None:
                    return
            else:  # its page booted changed: it waits, then opens again (no crash, no restart counted)
                await self.after_page_change(session)
                continue
            now = time.monotonic()
            restarts = [at for at in restarts if now - at < CRASH_WINDOW_S]
            await session.lose_page(cause=cause, recent_restarts=len(restarts))
            if len(restarts) >= self.crash_restart_limit:
                await session.fail("CRASH_LOOP", f"{cause}; {len(restarts)} restarts in {CRASH_WINDOW_S} s, giving up")
                return
            restarts.append(now)
            self.count_restart(cause)
            session.restart(cause=cause, restarts=len(restarts))

    async def _settle(self, session: Session, error: Exception) -> str | None:
        """What an error of the session's page means: the cause of a lost page (opened again), or None when the
        session failed (reported)."""
        if isinstance(error, PageLost):
            return str(error)
        if isinstance(error, TimeoutError):
            await session.fail("PAGE_TIMEOUT", str(error) or "a page operation timed out")
            return None
        if isinstance(error, PlaywrightError):
            if self.browser_ready() and session.page is not None and session.page.is_open:
                await session.fail("BROWSER_ERROR", error.message.splitlines()[0] if error.message else repr(error))
                return None
            return "page_gone"
        log.error("session failed", extra=session.log_extra(), exc_info=error)
        await session.fail("INTERNAL_ERROR", f"{type(error).__name__}: {error}")
        return None

    async def _consume(self, session: Session, page: SessionPage) -> None:
        """Hand the page's reports to the session until it ends; the page must boot within PAGE_TIMEOUT_S."""
        timeout = self.page_timeout_s
        boot_deadline: float | None = time.monotonic() + timeout
        waiting_for = f"WhatsApp Web to boot within {timeout:g} s"
        while True:
            if boot_deadline is None:
                deadline, waiting_for = session.settle_deadline()
            else:
                deadline = boot_deadline
            kind, data = await page.next_report(deadline=deadline, waiting_for=waiting_for)
            if kind == "boot":
                boot_deadline = None
                log.info("page booted", extra=session.log_extra(version=(data or {}).get("version")))
            elif kind in ("crash", "closed"):
                raise PageLost("page_crashed" if kind == "crash" else "browser_closed")
            if await session.handle(kind, data) or session.page is not page:
                return  # ended, or failed and left the page
