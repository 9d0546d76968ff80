"""The warm page pool: a few pages with WhatsApp Web loaded and a QR showing, each in a context of its own,
kept ready for the next session that starts.

A starting session takes a warm page (:meth:`WarmPagePool.take`) instead of opening one: the context and the
page become the session's, and the reports the page queued while it waited (boot, ``UNPAIRED``, the QR) are
the first its session reads, so the session's first ``qr_code_generated`` goes out at once, without a page
load. A session that restores a linked login never takes one (its context must hold its saved auth).

- Size, by demand: ``WARM_PAGES_MAX`` (default 2; ``WARM_PAGES`` is its older name) while a session started
  on this worker within ``WARM_PAGES_IDLE_S`` (default 600 s), ``WARM_PAGES_MIN`` (default 0) otherwise; never
  more than the machine's cores (each warm page loads and rotates QRs on them). Off (0) in the ``profile``
  layout, where a session's browser is its own profile directory. A worker starts idle: its first start after
  an idle period opens a page of its own (one page load), and the pool fills behind it.
- Idle (no start within ``WARM_PAGES_IDLE_S``), the pool closes the pages above ``WARM_PAGES_MIN`` and opens
  at most ``WARM_PAGES_MIN`` pages within any ``IDLE_REOPEN_S`` (10 minutes): a page at the minimum whose
  first QR rotated away (60 s on the real site) is closed, and the one replacing it opens 10 minutes after it
  had, so an idle worker opens at most 6 pages an hour for each page of its minimum (none with the default
  minimum of 0).
- A start that finds no page ready opens its own, and the pool's pages still warming are replaced: an older
  page must not show its QR above the session's (the phone page lists the oldest first, docs/simulator.md).
- Only a page still on its first QR is handed out. A page whose first QR has rotated away, whose QRs ran out
  (``UNPAIRED_IDLE``), that crashed, closed or left the unlinked state is closed and replaced by a fresh one:
  a session always starts with the whole life of its QRs ahead of it.
- Refilled in the background, one page at a time, and only while no session is waiting for a context, none
  is opening a page of its own until its QR shows, and none is opening from its kept auth (restored after a
  restart, moved here) until it is ready: a burst of
  starts never queues behind the pool, and restored pages do not share the cores with pool pages loading.
  At the worker's start it opens nothing before the backend's first heartbeat answer has said what to restore.
- A page that boots without the members the worker uses (WhatsApp Web changed) is closed, and the pool opens no
  other until the pin changes or a session's page boots clean (session_worker/builds.py), or at most
  PAGE_CHANGED_RETRY_MAX_S later: every page it opened would show a QR nobody can use.
- Pool pages belong to no session: they count in ``/health`` and the metrics, never against MAX_SESSIONS,
  and send no events.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from session_worker import whatsapp_web as wa
from session_worker.browser import BrowserHost
from session_worker.metrics import Metrics
from session_worker.page import SessionPage
from session_worker.settings import Layout, Settings

log = logging.getLogger("session_worker.warm_pages")

IDLE_RECHECK_S = 1.0  # how often a full (or waiting) pool looks again at its pages and the browser
# A first QR that rotates sooner than this (a test's simulator) would have the pool reopen pages without end:
# the pool then waits this long before it opens the next one.
SHORT_QR_S = 5.0
IDLE_REOPEN_S = 600.0  # idle, the pool opens at most WARM_PAGES_MIN pages within this long: 6 an hour for each
LOST_KINDS = frozenset({"crash", "closed", "probe_error", "logout", "synced"})


def pool_size(settings: Settings) -> int:
    """The most pages it holds: WARM_PAGES_MAX, within the machine's cores; 0 in the profile layout."""
    if settings.layout is not Layout.SHARED:
        return 0
    return min(settings.warm_pages_max, os.cpu_count() or 1)


def pool_minimum(settings: Settings) -> int:
    """The fewest pages it holds, even idle: WARM_PAGES_MIN, within :func:`pool_size`."""
    return min(settings.warm_pages_min, pool_size(settings))


class WarmPage:
    """A pool page and what its reports said so far (the reports stay queued for the session)."""

    def __init__(self, page: SessionPage) -> None:
        self.page = page
        self.qr_count = 0
        self.socket_state = ""
        self.stale = ""  # why it must not be handed out ("" while it may)
        self.opened_at = time.monotonic()
        self.qr_at: float | None = None  # when its first QR showed
        self.changed: bool | None = None  # whether it booted without the members the worker uses (None: not yet)

    def watch(self, kind: str, data: Any) -> None:
        if kind == "boot":
            self.socket_state = str((data or {}).get("state") or "")
            self.changed = bool(wa.parse_boot(data).changes)
            if self.changed:
                self.stale = self.stale or "its page changed (PAGE_CHANGED)"
        elif kind == "state":
            self.socket_state = str(data or "")
        elif kind == "qr":
            self.qr_count += 1
            self.qr_at = self.qr_at or time.monotonic()
        if kind in LOST_KINDS:
            self.stale = self.stale or kind
        elif self.qr_count > 1:
            self.stale = self.stale or "its first QR rotated away"
        elif self.qr_count and self.socket_state != wa.UNPAIRED_STATE:
            self.stale = self.stale or f"left the QR ({self.socket_state})"

    @property
    def ready(self) -> bool:
        return not self.stale and self.qr_count == 1 and self.socket_state == wa.UNPAIRED_STATE and self.page.is_open


class WarmPagePool:
    def __init__(
        self,
        *,
        settings: Settings,
        host: BrowserHost,
        metrics: Metrics,
        opening: Callable[[], int] = lambda: 0,
        restore_known: Callable[[], bool] = lambda: True,
    ) -> None:
        self.settings = settings
        self.host = host
        self.metrics = metrics
        self.opening = opening  # how many sessions' pages are opening (new, or from their kept auth): it waits
        self.restore_known = restore_known  # whether the sessions to restore have been started (the first answer)
        self.size = pool_size(settings)  # the most (while sessions start)
        self.minimum = pool_minimum(settings)  # the fewest (idle)
        self._last_start: float | None = None  # when a session last started on this worker (monotonic)
        self._opened: collections.deque[float] = collections.deque()  # when it opened its pages (recent ones)
        self.change_max_s = settings.page_changed_retry_max_s
        self._pages: list[WarmPage] = []
        self._changed = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._paused_until = 0.0
        self._held_until = 0.0  # after a changed page: until the pin changes or a page boots clean, at most this
        self._pin: str | None = None  # the pin its pages were opened under
        if host is not None:  # (a test's pool may have none)
            host.builds.listeners.append(self._pin_changed)

    # -- what the worker asks of it ------------------------------------------------------------------------

    def take(self, session_id: str) -> SessionPage | None:
        """The warm page whose first QR showed first, now ``session_id``'s; None when none is ready. Pages boot in
        their own time, so the first opened is not always the first shown: WhatsApp's side lists the oldest
        first (docs/simulator.md), and that is the one a Connect must take."""
        self._last_start = time.monotonic()  # demand: the pool fills to its most, and stays so while starts come
        ready = [warm for warm in self._pages if warm.ready]
        if ready:
            warm = min(ready, key=lambda warm: warm.qr_at or 0.0)
            self._pages.remove(warm)
            warm.page.watcher = None
            warm.page.session_id = session_id
            self.metrics.warm_page_adoptions.inc()
            self._refresh_gauges()
            self._changed.set()  # refill
            return warm.page
        # None ready: the session opens a page of its own. A pool page still warming is older than it and would
        # show its QR above the session's on WhatsApp's side (docs/simulator.md): it goes, a younger one follows.
        for warm in self._pages:
            warm.stale = warm.stale or "a session opened its own page meanwhile"
        self._changed.set()
        return None

    def counts(self) -> dict[str, int]:
        """``size``: the pages it means to hold now (:meth:`target`)."""
        ready = sum(1 for warm in self._pages if warm.ready)
        return {"size": self.target(), "ready": ready, "warming": len(self._pages) - ready}

    def busy(self) -> bool:
        """Whether a session started on this worker within WARM_PAGES_IDLE_S."""
        idle_s = self.settings.warm_pages_idle_s
        return self._last_start is not None and time.monotonic() - self._last_start < idle_s

    def target(self) -> int:
        """How many pages it holds now: its most while sessions start, its fewest when idle."""
        return max(self.minimum, self.size if self.busy() else 0)

    # -- life cycle ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.size == 0:
            reason = "the profile layout" if self.settings.layout is not Layout.SHARED else "WARM_PAGES_MAX=0"
            log.info("warm page pool off", extra={"reason": reason})
            return
        if self.size < self.settings.warm_pages_max:
            asked = self.settings.warm_pages_max
            log.warning("warm page pool limited to the cores", extra={"asked": asked, "size": self.size})
        self._task = asyncio.create_task(self._keep_filled(), name="warm-pages")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(ValueError, AttributeError):
            self.host.builds.listeners.remove(self._pin_changed)
        pages, self._pages = self._pages, []
        await asyncio.gather(*(warm.page.close() for warm in pages), return_exceptions=True)
        self._refresh_gauges()

    # -- keeping it full -----------------------------------------------------------------------------------

    async def _keep_filled(self) -> None:
        while True:
            await self._drop_stale()
            target = self.target()
            await self._shrink(target)
            now = time.monotonic()
            can_open = (
                self.host.ready
                and self.host.launching == 0
                and self.restore_known()
                and self.opening() == 0
                and now >= max(self._paused_until, self._held_until)
                and (self.busy() or self._recent_opens(now) < self.minimum)
            )
            if len(self._pages) < target and can_open:
                await self._warm_one()
                continue
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), IDLE_RECHECK_S)

    async def _drop_stale(self) -> None:
        timeout = self.settings.page_timeout_s
        now = time.monotonic()
        for warm in list(self._pages):
            if not warm.stale and not warm.ready and now - warm.opened_at > timeout:
                warm.stale = f"no QR within {timeout:g} s"
            if warm.stale or not warm.page.is_open:
                if warm.changed:
                    self._held_until = now + self.change_max_s
                    log.warning("warm page changed: the pool waits", extra={"pause_s": self.change_max_s})
                if warm.qr_count > 1 and warm.qr_at is not None and now - warm.qr_at < SHORT_QR_S:
                    self._paused_until = now + SHORT_QR_S
                self._pages.remove(warm)
                log.info("warm page replaced", extra={"reason": warm.stale or "closed"})
                await warm.page.close()
        self._refresh_gauges()

    async def _shrink(self, target: int) -> None:
        """Close the pages above ``target`` (idle): those not ready first, then the ones whose QR showed first
        (the nearest to rotating away)."""
        while len(self._pages) > target:
            warm = min(self._pages, key=lambda warm: (warm.ready, warm.qr_at or 0.0))
            self._pages.remove(warm)
            log.info("warm page closed", extra={"reason": "idle", "target": target})
            await warm.page.close()
        self._refresh_gauges()

    def _recent_opens(self, now: float) -> int:
        """Pages it opened within IDLE_REOPEN_S: idle, it opens one only while these are fewer than its minimum."""
        while self._opened and now - self._opened[0] >= IDLE_REOPEN_S:
            self._opened.popleft()
        return len(self._opened)

    async def _warm_one(self) -> None:
        self._opened.append(time.monotonic())
        page = SessionPage(session_id=None, host=self.host, settings=self.settings)
        warm = WarmPage(page)
        page.watcher = self._watcher(warm)
        self._pages.append(warm)
        self._refresh_gauges()
        try:
            await page.open()
        except Exception as exc:  # the browser is gone or slow: this page is dropped, the next round tries again
            warm.stale = warm.stale or f"could not open: {exc}"
            log.warning("warm page could not open", extra={"error": f"{type(exc).__name__}: {exc}"})
            await asyncio.sleep(IDLE_RECHECK_S)

    def _pin_changed(self) -> None:
        """A new pin (the pages warming or ready are of the previous one: replaced at once), or a page booted clean:
        no more waiting after a changed page."""
        pin = self.host.builds.pin if self.host is not None else None
        if pin != self._pin:
            self._pin = pin
            for warm in self._pages:
                warm.stale = warm.stale or "the pin changed"
        self._held_until = 0.0
        self._changed.set()

    def _watcher(self, warm: WarmPage):
        def watch(kind: str, data: Any) -> None:
            was_ready = warm.ready
            warm.watch(kind, data)
            if warm.ready != was_ready or warm.stale:
                self._refresh_gauges()
                self._changed.set()

        return watch

    def _refresh_gauges(self) -> None:
        counts = self.counts()
        self.metrics.warm_pages.labels(state="ready").set(counts["ready"])
        self.metrics.warm_pages.labels(state="warming").set(counts["warming"])
        self.metrics.warm_pages_target.set(counts["size"])
