"""A session's state machine: what each report of its WhatsApp Web page (QR, socket state, sync, logout,
connection check) does to its state, and which event it sends.

Its task (session_worker/session_task.py) opens the page (:meth:`Session.open_page`) and hands it the page's
reports one at a time, in order (:meth:`Session.handle`). Each state change is a log line (session id, time
since the start) and, when the backend must know of it, an event. The session's record, its page's life and its
endings are :class:`session_worker.session_life.SessionLife`'s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from playwright.async_api import Error as PlaywrightError

from session_worker import whatsapp_web as wa
from session_worker.errors import SessionError
from session_worker.session_life import ENDED, SessionLife, SessionServices
from session_worker.store import DesiredState
from shared.events import DisconnectReason, EventType, EventValidationError, SessionState

__all__ = ["Session", "SessionServices"]

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager

# The history sync's progress is sent when it enters a new tenth (0, 10, ... 100): at most 11 events per sync,
# however often the page reports it.
SYNC_PROGRESS_STEP = 10


class Session(SessionLife):
    """One session this worker drives: its life (:class:`SessionLife`) and what each report of its page does."""

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
        boot = wa.parse_boot(data)
        if boot.changes:
            return await self._on_page_changed(boot)
        if self.page_down is not None:
            log.info("page boots clean again", extra=self.log_extra(build=boot.build, was=self.page_down))
        self.page_down, self.page_retry_s, self._page_changes_sent = None, 0.0, None
        self.build = boot.build
        await self._emit(EventType.SESSION_BOOTED, {"build": boot.build})
        self.services.state_changed()  # the sessions by build
        reloaded, self._page_booted = self._page_booted, True
        if reloaded and self.state is SessionState.SCAN_QR_CODE:
            # The page reloads itself only once a scan is accepted: logged in, even if PAIRING went unseen.
            await self._authenticate(via="reload")
        state = data.get("state")
        return await self._on_socket_state(str(state)) if state else False

    async def _on_page_changed(self, boot: wa.Boot) -> bool:
        """The page lacks members the worker uses (WhatsApp Web changed): say what, once per build and changes,
        and close the page (its auth kept). A session that would show a QR ends (PAGE_CHANGED); a linked one says
        PAGE_CHANGED once per outage and stays STARTING, its lease and auth held, while its task waits to open
        the page again (session_worker/page_changes.py)."""
        changed = [f"{c['module']}.{c['member']}: {c['found']}, expected {c['expected']}" for c in boot.changes]
        log.error("page changed", extra=self.log_extra(build=boot.build, changes=changed))
        self.services.metrics.page_changed.inc()
        self.build = None
        if self._page_changes_sent != (boot.build, boot.changes):
            self._page_changes_sent = (boot.build, boot.changes)
            await self._emit(EventType.SESSION_PAGE_CHANGED, {"build": boot.build, "changes": list(boot.changes)})
        if not self.restoring:
            await self.end(DisconnectReason.PAGE_CHANGED, desired=DesiredState.STOPPED, note=f"build {boot.build}")
            return True
        await self.close_page(save=False)  # what its disk holds is the login: a changed page saves nothing
        if self.page_down is None:
            await self._emit(EventType.SESSION_DISCONNECTED, {"reason": DisconnectReason.PAGE_CHANGED.value})
        self.page_down = boot.build
        self.restart(cause="page_changed", restarts=0)
        self.services.state_changed()
        return False

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

        self._connection_check = asyncio.get_running_loop().call_later(self.services.connection_grace_s, check)

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
            self.services.metrics.qr_latency.observe(time.monotonic() - self._t0)
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
        if not await self.services.store_auth(self):  # part of "ready": another worker can open it from now on
            return True
        self.phone_number, self.pushname, self.platform = me.phone_number, me.pushname, me.platform
        self.restoring = True  # from now on its auth is on disk
        await self._emit(EventType.SESSION_READY, {**_ready_data(me), "extraction_ms": extraction_ms})
        metrics = self.services.metrics
        metrics.phone_extraction.observe(extraction_ms / 1000)
        if self._scan_at is not None:
            metrics.scan_to_ready.observe(time.monotonic() - self._scan_at)
        self._set_state(SessionState.READY, phone_number=me.phone_number, extraction_ms=extraction_ms)
        return False

    # -- what the backend asks of the page -------------------------------------------------------------------

    async def log_out(self) -> None:
        """Log the device out on WhatsApp (if the page is up), wipe the auth and end (LOGOUT)."""
        if self.page is not None and self.page.page is not None:
            try:
                await self.page.log_out()
            except (PlaywrightError, TimeoutError) as exc:
                log.warning("logout on the page failed", extra=self.log_extra(detail=str(exc)))
        self.phone_number = None
        await self.end(DisconnectReason.LOGOUT, desired=DesiredState.LOGGED_OUT, wipe=True, note="logout requested")

    async def screenshot(self) -> bytes:
        if self.page is None or not self.page.is_open:
            raise SessionError(409, "no_page", f"session {self.session_id} has no page open (state {self.state})")
        return await self.page.screenshot()

    async def pairing_code(self, phone_number: str) -> str:
        """An 8-character code that links ``phone_number`` instead of a QR scan; TimeoutError if the page is slow."""
        if self.page is None or self.page.page is None or not self.waiting_for_link:
            raise SessionError(409, "not_pairing", f"session {self.session_id} is not waiting to be linked")
        try:
            return await self.page.pairing_code(phone_number)
        except PlaywrightError as exc:
            detail = exc.message.splitlines()[0] if exc.message else repr(exc)
            raise SessionError(409, "pairing_failed", f"the page refused a pairing code: {detail}") from None


def _ready_data(me: wa.Me) -> dict[str, str]:
    return {"phone_number": me.phone_number, "pushname": me.pushname, "platform": me.platform}
