"""A session's state machine: what its WhatsApp Web page reports, and how each report changes its state.

Its task (run by :class:`session_worker.manager.SessionManager`) opens the page (:meth:`Session.open_page`)
and hands it the page's reports one at a time, in order (:meth:`Session.handle`). Each state change is a log
line (session id, time since the start) and, when the backend must know of it, an event.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

from session_worker import whatsapp_web as wa
from session_worker.page import SessionPage
from session_worker.store import DesiredState
from shared.events import DisconnectReason, EventType, EventValidationError, SessionState, utc_now_iso

if TYPE_CHECKING:
    from session_worker.manager import SessionManager

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager

HISTORY_LENGTH = 50
AUTH_SAVE_TIMEOUT_S = 10
# The history sync's progress is sent when it enters a new tenth (0, 10, ... 100): at most 11 events per sync,
# however often the page reports it.
SYNC_PROGRESS_STEP = 10
ENDED = frozenset({SessionState.STOPPED, SessionState.DISCONNECTED, SessionState.FAILED})
WAITING_FOR_LINK = frozenset({SessionState.STARTING, SessionState.SCAN_QR_CODE})


class Session:
    def __init__(self, *, manager: SessionManager, session_id: str, workspace_id: str, restoring: bool) -> None:
        self.manager = manager
        self.session_id = session_id
        self.workspace_id = workspace_id
        self.restoring = restoring
        self.state = SessionState.STARTING
        self.history: collections.deque[dict[str, str]] = collections.deque(maxlen=HISTORY_LENGTH)
        self.qr: str | None = None
        self.qr_count = 0
        self.phone_number: str | None = None
        self.pushname: str | None = None
        self.platform: str | None = None
        self.sequence = 0
        self.epoch = 0  # the lease this worker drives it under, stamped on every event (session_worker/leases.py)
        self.fetch_auth = False  # fetch the backend's copy of its auth before opening it
        self.started_mono = time.monotonic()
        self.started_at = utc_now_iso()
        self.updated_at = self.started_at
        self.page: SessionPage | None = None
        self._t0 = self._state_since = time.monotonic()
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
        self.manager.refresh_gauges()

    async def _emit(self, type: EventType, data: dict[str, Any]) -> None:
        event = await self.manager.emit(session=self, type=type, data=data)
        self.sequence = event.sequence

    # -- the page, opened (again) by the session's task ----------------------------------------------------

    async def open_page(self) -> SessionPage:
        manager = self.manager
        warm = None if self.restoring else manager.adopt_warm_page(self.session_id)
        if warm is not None:
            # Its queued reports (boot, UNPAIRED, the QR) come first: the QR goes out without a page load.
            self.page = warm
            log.info("page adopted from the warm page pool", extra=self.log_extra(url=manager.settings.wa_web_url))
            return warm
        self.page = SessionPage(session_id=self.session_id, host=manager.host, settings=manager.settings)
        self._page_booted = False
        log.info("page opening", extra=self.log_extra(url=manager.settings.wa_web_url, restoring=self.restoring))
        await self.page.open()
        return self.page

    def settle_deadline(self) -> tuple[float | None, str]:
        """How long the booted page may stay where it is: a QR or READY must come, sync must end."""
        limit = self.manager.settings.ready_timeout_s
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
        self.restoring = self.manager.host.has_auth(self.session_id)
        self._authenticated = False
        self.qr, self.qr_count = None, 0
        self._set_state(SessionState.STARTING, restart=restarts, cause=cause)

    # -- what each report does ---------------------------------------------------------------------------

    async def handle(self, kind: str, data: Any) -> bool:
        """Handle one report of the page; True when the session has ended."""
        if kind == "state":
            return await self._on_socket_state(str(data)) if data else False
        if kind == "boot":
            return await self._on_boot(data if isinstance(data, dict) else {})
        if kind == "sync_progress":
            await self._on_sync_progress(data)
        elif kind == "qr":
            await self._on_qr(str(data))
        elif kind == "synced":
            return await self._on_synced()
        elif kind == "logout":
            await self.end(DisconnectReason.LOGOUT, desired=DesiredState.LOGGED_OUT, wipe=True)
            return True
        elif kind == "connection_check":
            await self._on_connection_check()
        elif kind == "probe_error":
            log.warning("page probe failed", extra=self.log_extra(detail=str(data)))
            if not self._probe_error_sent:
                self._probe_error_sent = True
                await self._emit(EventType.SESSION_ERROR, {"reason": "PROBE_FAILED", "detail": str(data)[:4000]})
        return False

    async def _on_boot(self, data: dict[str, Any]) -> bool:
        reloaded, self._page_booted = self._page_booted, True
        if reloaded and self.state is SessionState.SCAN_QR_CODE:
            # The page reloads itself only once a scan is accepted: logged in, even if PAIRING went unseen.
            await self._authenticate(via="reload")
        state = data.get("state")
        return await self._on_socket_state(str(state)) if state else False

    async def _on_socket_state(self, socket_state: str) -> bool:
        log.info("socket state", extra=self.log_extra(socket_state=socket_state))
        self._socket_state = socket_state
        if socket_state == wa.QR_LIMIT_STATE:
            await self.end(DisconnectReason.QR_EXPIRED, desired=DesiredState.STOPPED)
            return True
        if socket_state == wa.CONFLICT_STATE:
            await self.end(DisconnectReason.CONFLICT, desired=DesiredState.STOPPED)
            return True
        if socket_state == wa.UNPAIRED_STATE and (self._authenticated or self.restoring):
            # Linked a moment ago (or restored) and now asked for a QR: the phone no longer knows this device.
            await self.end(DisconnectReason.UNPAIRED, desired=DesiredState.LOGGED_OUT, wipe=True)
            return True
        if socket_state not in wa.LOGIN_NEEDED_STATES and self.state is SessionState.SCAN_QR_CODE:
            self._scan_at = self._scan_at or time.monotonic()
        if socket_state == wa.PAIRING_STATE and self.waiting_for_link:
            await self._authenticate(via=socket_state)  # the scan was accepted: tell the user now, not after the sync
        elif socket_state == wa.CONNECTED_STATE:
            if self._connection_lost:
                await self._on_reconnected()
            await self._authenticate(via=socket_state)
        elif socket_state in wa.CONNECTION_LOST_STATES and self.state is SessionState.READY:
            self._schedule_connection_check()
        return False

    def _schedule_connection_check(self) -> None:
        """Report a lost connection only if it lasts: the real site blips through TIMEOUT and back."""
        if self._connection_check is not None:
            return
        page = self.page
        assert page is not None

        def check() -> None:
            self._connection_check = None
            page.report("connection_check")

        self._connection_check = asyncio.get_running_loop().call_later(self.manager.settings.connection_grace_s, check)

    async def _on_connection_check(self) -> None:
        if self.state is not SessionState.READY or self._socket_state == wa.CONNECTED_STATE:
            return
        self._connection_lost = True
        await self._emit(EventType.SESSION_DISCONNECTED, {"reason": DisconnectReason.CONNECTION_LOST.value})
        self._set_state(SessionState.DISCONNECTED, reason=DisconnectReason.CONNECTION_LOST.value)

    async def _on_reconnected(self) -> None:
        """Back after a lost connection: the same phone, ready again (no new sync on the real site either)."""
        self._connection_lost = False
        assert self.page is not None
        me = await self.page.read_me()
        if me is None:
            await self.fail("PHONE_UNAVAILABLE", "the page reconnected but gave no phone number")
            return
        await self._emit(EventType.SESSION_READY, {**_ready_data(me), "extraction_ms": 0})
        self._set_state(SessionState.READY, phone_number=me.phone_number, reconnected=True)

    async def _on_qr(self, qr: str) -> None:
        if not self.waiting_for_link or qr == self.qr:
            return
        self.qr_count += 1
        if self.qr_count == 1:
            self.manager.metrics.qr_latency.observe(time.monotonic() - self._t0)
        data = {"qr": qr, "qr_count": self.qr_count, "expires_in": wa.qr_lifetime_s(self.qr_count)}
        try:
            await self._emit(EventType.QR_CODE_GENERATED, data)
        except EventValidationError as exc:
            self.qr_count -= 1
            log.warning("page gave a malformed QR", extra=self.log_extra(detail=str(exc)))
            return
        self.qr = qr
        self._set_state(SessionState.SCAN_QR_CODE, qr_count=self.qr_count)

    async def _authenticate(self, *, via: str) -> None:
        """The page shows a login (``via``: what showed it): AUTHENTICATED, with a history sync to come."""
        if self._authenticated:
            return
        self._authenticated = True
        self._sync_percent = None
        self._scan_at = self._scan_at or time.monotonic()
        self.qr = None
        await self._emit(EventType.SESSION_AUTHENTICATED, {})
        self._set_state(SessionState.AUTHENTICATED, via=via)

    async def _on_sync_progress(self, raw: Any) -> None:
        """The history sync moved on: tell the backend when it enters a new tenth (bounded, never backwards)."""
        percent = wa.parse_sync_progress(raw)
        if percent is None or self.state in ENDED or self.state is SessionState.READY:
            return
        await self._authenticate(via="sync")  # a page that syncs is linked (restored pages may sync first)
        last = self._sync_percent
        if last is not None and percent // SYNC_PROGRESS_STEP <= last // SYNC_PROGRESS_STEP:
            return
        self._sync_percent = percent
        log.info("history sync", extra=self.log_extra(percent=percent))
        await self._emit(EventType.SESSION_SYNC_PROGRESS, {"percent": percent})

    async def _on_synced(self) -> bool:
        if self.state is SessionState.READY:
            return False
        await self._authenticate(via="synced")
        assert self.page is not None
        synced_at = time.monotonic()
        me = await self.page.read_me()
        extraction_ms = int((time.monotonic() - synced_at) * 1000)
        if me is None:
            await self.fail("PHONE_UNAVAILABLE", "the page synced but gave no phone number (only a LID or nothing)")
            return True
        await self.page.save_auth()
        if not await self.manager.store_auth(self):  # part of "ready": another worker can open it from now on
            return True
        self.phone_number, self.pushname, self.platform = me.phone_number, me.pushname, me.platform
        self.restoring = True  # from now on its auth is on disk
        await self._emit(EventType.SESSION_READY, {**_ready_data(me), "extraction_ms": extraction_ms})
        metrics = self.manager.metrics
        metrics.phone_extraction.observe(extraction_ms / 1000)
        if self._scan_at is not None:
            metrics.scan_to_ready.observe(time.monotonic() - self._scan_at)
        self._set_state(SessionState.READY, phone_number=me.phone_number, extraction_ms=extraction_ms)
        return False

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
        """Free the page (its auth saved first if ``save``, wiped after if ``wipe``), record what to do with the
        session at the worker's next start, and report why it ended (once: a STOPPED session stays quiet)."""
        await self.close_page(save=save)
        if wipe:
            await self.manager.host.wipe_auth(self.session_id)
        await self.manager.store.session_set_desired(session_id=self.session_id, desired=desired)
        if state is SessionState.STOPPED and self.state is SessionState.STOPPED:
            return
        await self._emit(EventType.SESSION_DISCONNECTED, {"reason": reason.value})
        self._set_state(state, reason=note or reason.value)

    async def leave(self, *, note: str, save: bool) -> None:
        """Stop driving the session without a word to the backend (it moved, or is moving, to another worker)."""
        await self.close_page(save=save)
        await self.manager.store.session_set_desired(session_id=self.session_id, desired=DesiredState.STOPPED)
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


def _ready_data(me: wa.Me) -> dict[str, str]:
    return {"phone_number": me.phone_number, "pushname": me.pushname, "platform": me.platform}
