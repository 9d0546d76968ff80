"""A session's life, apart from what its page reports: its record (what the API and the heartbeats show), its
page opened, lost and closed, and how it ends. What each report of the page does is the state machine's,
:class:`session_worker.session.Session`, built on this.

A session knows nothing of what holds it: all it uses of its worker is the :class:`SessionServices` it is given.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError

from session_worker.metrics import Metrics
from session_worker.page import SessionPage
from session_worker.store import DesiredState
from shared.events import DisconnectReason, Event, EventType, SessionState, utc_now_iso
from shared.proxy import SessionProxy

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager

HISTORY_LENGTH = 50
AUTH_SAVE_TIMEOUT_S = 10
ENDED = frozenset({SessionState.STOPPED, SessionState.DISCONNECTED, SessionState.FAILED})
WAITING_FOR_LINK = frozenset({SessionState.STARTING, SessionState.SCAN_QR_CODE})


@dataclasses.dataclass(frozen=True)
class SessionServices:
    """All a session uses of its worker (the manager builds one for all its sessions)."""

    wa_web_url: str  # logged when a page opens
    ready_timeout_s: float  # READY_TIMEOUT_S
    connection_grace_s: float  # CONNECTION_GRACE_S
    metrics: Metrics  # the QR latency, scan to ready and phone extraction histograms
    # The session's event into the outbox: it takes the session's next sequence, stamped with its epoch.
    emit: Callable[[SessionLife, EventType, dict[str, Any]], Awaitable[Event]]
    record_desired: Callable[[str, DesiredState], Awaitable[None]]  # what it was left as, on disk
    state_changed: Callable[[], None]  # a session changed state (the gauges follow)
    has_auth: Callable[[str], bool]  # whether the worker's disk holds the session's auth
    wipe_auth: Callable[[str], Awaitable[None]]  # forget it there
    # Store its auth state on the backend before it is ready; False when its lease is gone (it has then left).
    store_auth: Callable[[SessionLife], Awaitable[bool]]
    new_page: Callable[[str, SessionProxy | None], SessionPage]  # a page of its own (through the proxy), not open yet
    adopt_warm_page: Callable[[str], SessionPage | None]  # a page of the warm page pool, already showing a QR


class SessionLife:
    def __init__(
        self,
        *,
        services: SessionServices,
        session_id: str,
        workspace_id: str,
        epoch: int = 0,
        fetch_auth: bool = False,
        proxy: SessionProxy | None = None,
    ) -> None:
        self.services = services
        self.session_id = session_id
        self.workspace_id = workspace_id
        self.restoring = services.has_auth(session_id)  # opens from its kept auth (no QR)
        self.state = SessionState.STARTING
        self.history: collections.deque[dict[str, str]] = collections.deque(maxlen=HISTORY_LENGTH)
        self.qr: str | None = None
        self.qr_count = 0
        self.phone_number: str | None = None
        self.pushname: str | None = None
        self.platform: str | None = None
        self.sequence = 0
        self.epoch = epoch  # the lease this worker drives it under, stamped on every event (session_worker/leases.py)
        self.fetch_auth = fetch_auth  # fetch the backend's copy of its auth before opening it
        self.proxy = proxy  # its browser connects through it, never around it (None: directly)
        self.proxy_down: DisconnectReason | None = None  # its proxy failed its check: told once, retried meanwhile
        self.build: str | None = None  # WhatsApp Web's build its page last booted clean on
        # Its page booted without the members the worker uses (PAGE_CHANGED): the build then, while it waits to
        # open again (session_worker/page_changes.py), and how long it waits next.
        self.page_down: str | None = None
        self.page_retry_s = 0.0
        self.pin_tried: str | None = None  # the pin its page last opened under after a change (page_changes.py)
        self._page_changes_sent: tuple[str, tuple] | None = None  # the build and changes last reported
        self.started_mono = time.monotonic()
        self.started_at = utc_now_iso()
        self.updated_at = self.started_at
        self.page: SessionPage | None = None
        self._t0 = self._state_since = time.monotonic()
        # What the page's reports said so far (session_worker/session.py reads and writes them).
        self._scan_at: float | None = None
        self._authenticated = False
        self._sync_percent: int | None = None  # the history sync's progress last sent
        self._page_booted = False  # the open page has booted once: a second boot is its own reload
        self._probe_error_sent = False
        self._socket_state = ""
        self._connection_lost = False  # READY, then the page lost its connection for longer than the grace
        self._connection_check: asyncio.TimerHandle | None = None
        self._record(SessionState.STARTING)

    @property
    def waiting_for_link(self) -> bool:
        """Showing (or about to show) a QR: a pairing code may be asked for."""
        return self.state in WAITING_FOR_LINK

    @property
    def held_back(self) -> bool:
        """Waiting for its proxy or for a page it can use: opens no page meanwhile (the warm page pool need not
        wait for it)."""
        return self.proxy_down is not None or self.page_down is not None

    @property
    def active(self) -> bool:
        """Holds (or is about to hold) a page: counts against MAX_SESSIONS and is not started again."""
        return self.state not in ENDED or self._connection_lost

    def log_extra(self, **fields: Any) -> dict[str, Any]:
        return {"session_id": self.session_id, "elapsed_ms": int((time.monotonic() - self._t0) * 1000), **fields}

    def _record(self, state: SessionState) -> None:
        self.updated_at = utc_now_iso()
        self.history.append({"state": state.value, "at": self.updated_at})

    def _set_state(self, state: SessionState, **fields: Any) -> None:
        if state == self.state:
            return
        previous, self.state = self.state, state
        self._state_since = time.monotonic()
        self._record(state)
        log.info("session state", extra=self.log_extra(previous=previous.value, state=state.value, **fields))
        self.services.state_changed()

    async def _emit(self, type: EventType, data: dict[str, Any]) -> None:
        event = await self.services.emit(self, type, data)
        self.sequence = event.sequence

    # -- the page, opened (again) by the session's task ----------------------------------------------------

    async def open_page(self) -> SessionPage:
        services = self.services
        # A warm page connects directly: never one for a session with a proxy.
        warm = None if self.restoring or self.proxy else services.adopt_warm_page(self.session_id)
        if warm is not None:
            # Its queued reports (boot, UNPAIRED, the QR) come first: the QR goes out without a page load.
            self.page = warm
            log.info("page adopted from the warm page pool", extra=self.log_extra(url=services.wa_web_url))
            return warm
        self.page = services.new_page(self.session_id, self.proxy)
        self._page_booted = False
        proxy = self.proxy.address if self.proxy else None
        log.info("page opening", extra=self.log_extra(url=services.wa_web_url, restoring=self.restoring, proxy=proxy))
        await self.page.open()
        return self.page

    async def proxy_failed(self, reason: DisconnectReason, detail: str) -> None:
        """Its proxy failed the check (``reason``): a session with kept auth says so once per outage and waits,
        still STARTING (its lease held, its auth kept); one that would show a QR ends (no page, no QR)."""
        log.warning("proxy check failed", extra=self.log_extra(reason=reason.value, detail=detail))
        if not self.restoring:
            await self.end(reason, desired=DesiredState.STOPPED, note=detail)
        elif self.proxy_down is None:
            self.proxy_down = reason
            await self._emit(EventType.SESSION_DISCONNECTED, {"reason": reason.value})

    def proxy_passed(self) -> None:
        if self.proxy_down is not None:
            log.info("proxy answers again", extra=self.log_extra(proxy=self.proxy.address if self.proxy else None))
        self.proxy_down = None

    def settle_deadline(self) -> tuple[float | None, str]:
        """How long the booted page may stay where it is: a QR or READY must come, sync must end."""
        limit = self.services.ready_timeout_s
        if self.state is SessionState.STARTING:
            return self._state_since + limit, f"a QR or a login within {limit:g} s"
        if self.state is SessionState.AUTHENTICATED:
            # From the scan on: the page must reload, connect and sync, or the session fails (PAGE_TIMEOUT)
            # rather than stay "authenticated" for ever.
            return self._state_since + limit, f"the linked page to connect and sync within {limit:g} s"
        return None, ""

    async def lose_page(self, *, cause: str, recent_restarts: int) -> None:
        """The page or the browser died (``cause``): free what is left of it and report BROWSER_CRASHED."""
        log.error("session lost its page", extra=self.log_extra(cause=cause, recent_restarts=recent_restarts))
        await self.close_page(save=False)
        await self._emit(EventType.SESSION_DISCONNECTED, {"reason": DisconnectReason.BROWSER_CRASHED.value})

    def restart(self, *, cause: str, restarts: int) -> None:
        """Back to STARTING before the page opens again, from the kept auth if there is one."""
        self.restoring = self.services.has_auth(self.session_id)
        self._authenticated = False
        self.qr, self.qr_count = None, 0
        self._set_state(SessionState.STARTING, restart=restarts, cause=cause)

    # -- endings ---------------------------------------------------------------------------------------------

    async def end(
        self,
        reason: DisconnectReason,
        *,
        desired: DesiredState,
        wipe: bool = False,
        save: bool = False,
        state: SessionState = SessionState.DISCONNECTED,
        note: str = "",
    ) -> None:
        """Free the page (its auth saved first if ``save``, wiped after if ``wipe``), record what the session was
        left as (``desired``), and report why it ended (once: a STOPPED session stays quiet)."""
        await self.close_page(save=save)
        if wipe:
            await self.services.wipe_auth(self.session_id)
        await self.services.record_desired(self.session_id, desired)
        if state is SessionState.STOPPED and self.state is SessionState.STOPPED:
            return
        await self._emit(EventType.SESSION_DISCONNECTED, {"reason": reason.value})
        self._set_state(state, reason=note or reason.value)

    async def leave(self, *, note: str, save: bool) -> None:
        """Stop driving the session without a word to the backend (it moved, or is moving, to another worker)."""
        await self.close_page(save=save)
        await self.services.record_desired(self.session_id, DesiredState.STOPPED)
        self._set_state(SessionState.STOPPED, reason=note)

    async def fail(self, reason: str, detail: str) -> None:
        log.error("session error", extra=self.log_extra(reason=reason, detail=detail))
        await self.close_page(save=False)
        await self._emit(EventType.SESSION_ERROR, {"reason": reason, "detail": detail[:4000]})
        self._set_state(SessionState.FAILED, reason=reason)

    async def close_page(self, *, save: bool) -> None:
        """Close the page (what it still reports is dropped with it), saving a ready session's auth first."""
        page, self.page = self.page, None
        self._connection_lost = False
        if self._connection_check is not None:
            self._connection_check.cancel()
            self._connection_check = None
        if page is None:
            return
        if save:
            await self.save_auth(page)
        await page.close()

    async def save_auth(self, page: SessionPage | None = None) -> None:
        """Keep the auth of a ready session on disk (from ``page``, by default the open one): WhatsApp Web
        keeps changing its keys."""
        page = page or self.page
        if page is None or page.context is None or self.state is not SessionState.READY:
            return
        try:
            await asyncio.wait_for(page.save_auth(), AUTH_SAVE_TIMEOUT_S)
        except (PlaywrightError, TimeoutError) as exc:
            log.warning("could not save the session's auth", extra=self.log_extra(detail=str(exc)))
