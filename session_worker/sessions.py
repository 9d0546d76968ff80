"""Sessions: one WhatsApp Web page each, driven by what the page reports.

A session's task opens a context (with the session's kept auth), registers the binding and the init script
of :mod:`session_worker.whatsapp_web`, loads the page and then handles the page's reports one at a time, in
order, from a queue. Every state change is one log line with the session id and the time since the start.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import re
import time
from typing import Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from session_worker import whatsapp_web as wa
from session_worker.browser import BrowserHost
from session_worker.delivery import Delivery
from session_worker.metrics import Metrics
from session_worker.settings import Settings
from session_worker.store import Store
from shared.events import DisconnectReason, EventType, EventValidationError, SessionState

log = logging.getLogger("session_worker.sessions")

SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
WORKSPACE_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
HISTORY_LENGTH = 50
CRASH_WINDOW_S = 600  # CRASH_RESTART_LIMIT counts the restarts within this window
ENDED = frozenset({SessionState.STOPPED, SessionState.DISCONNECTED, SessionState.FAILED})


class SessionError(Exception):
    """A request about a session that cannot be served. ``status`` and ``reason`` go to the HTTP answer."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(message)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class _Restart(Exception):
    """The page or the browser died: report, then open the session again from its kept auth."""


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
        self.started_at = _now_iso()
        self.updated_at = self.started_at
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self._t0 = self._state_since = time.monotonic()
        self._scan_at: float | None = None
        self._authenticated = False
        self._generation = 0
        self._queue: asyncio.Queue[tuple[int, str, Any]] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._probe_error_sent = False
        self._socket_state = ""
        self._connection_lost = False  # READY, then the page lost its connection for longer than the grace
        self._connection_check: asyncio.TimerHandle | None = None
        self._record(SessionState.STARTING)

    # -- views ----------------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Holds (or is about to hold) a page: counts against MAX_SESSIONS and is not started again."""
        return self.state not in ENDED or self._connection_lost

    def view(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "workspace_id": self.workspace_id,
            "state": self.state.value,
            "qr": self.qr,
            "qr_count": self.qr_count,
            "phone_number": self.phone_number,
            "pushname": self.pushname,
            "platform": self.platform,
            "sequence": self.sequence,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
        }

    def _log_extra(self, **fields: Any) -> dict[str, Any]:
        return {"session_id": self.session_id, "elapsed_ms": int((time.monotonic() - self._t0) * 1000), **fields}

    def _record(self, state: SessionState) -> None:
        self.updated_at = _now_iso()
        self.history.append({"state": state.value, "at": self.updated_at})

    def _set_state(self, state: SessionState, **fields: Any) -> None:
        if state == self.state:
            return
        previous, self.state = self.state, state
        self._state_since = time.monotonic()
        self._record(state)
        log.info("session state", extra=self._log_extra(previous=previous.value, state=state.value, **fields))
        self.manager.refresh_gauges()

    async def _emit(self, type: EventType, data: dict[str, Any]) -> None:
        event = await self.manager.emit(session=self, type=type, data=data)
        self.sequence = event.sequence

    # -- the session's task ---------------------------------------------------------------------------------

    def launch(self) -> None:
        self._task = asyncio.create_task(self._main(), name=f"session:{self.session_id}")

    async def _main(self) -> None:
        restarts: list[float] = []  # when the recent restarts happened
        while True:
            try:
                await self._open()
                await self._consume()
                return
            except _Restart as restart:
                cause = str(restart)
            except asyncio.CancelledError:
                raise
            except TimeoutError as exc:
                await self._fail("PAGE_TIMEOUT", str(exc) or "a page operation timed out")
                return
            except PlaywrightError as exc:
                if self.manager.host.ready and self.page is not None and not self.page.is_closed():
                    await self._fail("BROWSER_ERROR", exc.message.splitlines()[0] if exc.message else repr(exc))
                    return
                cause = "page_gone"
            except Exception as exc:
                log.exception("session failed", extra=self._log_extra())
                await self._fail("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")
                return
            now = time.monotonic()
            restarts = [at for at in restarts if now - at < CRASH_WINDOW_S]
            log.error("session lost its page", extra=self._log_extra(cause=cause, recent_restarts=len(restarts)))
            await self._close_context(save=False)
            await self._emit(EventType.SESSION_DISCONNECTED, {"reason": DisconnectReason.BROWSER_CRASHED.value})
            if len(restarts) >= self.manager.settings.crash_restart_limit:
                await self._fail("CRASH_LOOP", f"{cause}; {len(restarts)} restarts in {CRASH_WINDOW_S} s, giving up")
                return
            restarts.append(now)
            self.manager.metrics.restarts.labels(cause=cause).inc()
            self.restoring = self.manager.host.has_auth(self.session_id)
            self._authenticated = False
            self.qr, self.qr_count = None, 0
            self._set_state(SessionState.STARTING, restart=len(restarts), cause=cause)

    async def _open(self) -> None:
        self._generation += 1
        generation = self._generation
        settings = self.manager.settings
        context = await self.manager.host.open_context(self.session_id)
        self.context = context

        def report(_source: Any, kind: str, data: Any = None) -> None:
            self._queue.put_nowait((generation, kind, data))

        await context.expose_binding(wa.BINDING, report)
        await context.add_init_script(script=wa.INIT_SCRIPT)
        context.on("close", lambda _context: self._queue.put_nowait((generation, "closed", None)))
        page = context.pages[0] if context.pages else await context.new_page()
        page.on("crash", lambda _page: self._queue.put_nowait((generation, "crash", None)))
        self.page = page
        log.info("page opening", extra=self._log_extra(url=settings.wa_web_url, restoring=self.restoring))
        await page.goto(settings.wa_web_url, wait_until="domcontentloaded")

    async def _consume(self) -> None:
        timeout = self.manager.settings.page_timeout_s
        booted = False
        boot_deadline = time.monotonic() + timeout
        while True:
            if not booted:
                deadline, waiting_for = boot_deadline, f"WhatsApp Web to boot within {timeout:g} s"
            else:
                deadline, waiting_for = self._settle_deadline()
            try:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                generation, kind, data = await asyncio.wait_for(self._queue.get(), remaining)
            except TimeoutError:
                raise TimeoutError(f"gave up waiting for {waiting_for}") from None
            if generation != self._generation:
                continue  # from a page or context we already left
            if kind == "boot":
                booted = True
                log.info("page booted", extra=self._log_extra(version=(data or {}).get("version")))
                kind, data = "state", (data or {}).get("state")
            elif kind in ("crash", "closed"):
                raise _Restart("page_crashed" if kind == "crash" else "browser_closed")
            done = await self._handle(kind, data)
            if done:
                return

    def _settle_deadline(self) -> tuple[float | None, str]:
        """How long the page may stay where it is: a QR or READY must come, sync must end."""
        limit = self.manager.settings.ready_timeout_s
        if self.state is SessionState.STARTING:
            return self._state_since + limit, f"a QR or a login within {limit:g} s"
        if self.state is SessionState.AUTHENTICATED:
            return self._state_since + limit, f"the history sync to end within {limit:g} s"
        return None, ""

    async def _handle(self, kind: str, data: Any) -> bool:
        """Handle one report of the page; True when the session has ended."""
        if kind == "state":
            return await self._on_socket_state(str(data)) if data else False
        if kind == "qr":
            await self._on_qr(str(data))
        elif kind == "synced":
            return await self._on_synced()
        elif kind == "logout":
            await self._end(SessionState.DISCONNECTED, DisconnectReason.LOGOUT, desired="logged_out", wipe=True)
            return True
        elif kind == "connection_check":
            await self._on_connection_check()
        elif kind == "probe_error":
            log.warning("page probe failed", extra=self._log_extra(detail=str(data)))
            if not self._probe_error_sent:
                self._probe_error_sent = True
                await self._emit(EventType.SESSION_ERROR, {"reason": "PROBE_FAILED", "detail": str(data)[:4000]})
        return False

    async def _on_socket_state(self, socket_state: str) -> bool:
        log.info("socket state", extra=self._log_extra(socket_state=socket_state))
        self._socket_state = socket_state
        if socket_state == wa.QR_LIMIT_STATE:
            await self._end(SessionState.DISCONNECTED, DisconnectReason.QR_EXPIRED, desired="stopped", wipe=False)
            return True
        if socket_state == wa.CONFLICT_STATE:
            await self._end(SessionState.DISCONNECTED, DisconnectReason.CONFLICT, desired="stopped", wipe=False)
            return True
        if socket_state == wa.UNPAIRED_STATE and (self._authenticated or self.restoring):
            # Linked a moment ago (or restored) and now asked for a QR: the phone no longer knows this device.
            await self._end(SessionState.DISCONNECTED, DisconnectReason.UNPAIRED, desired="logged_out", wipe=True)
            return True
        if socket_state not in wa.LOGIN_NEEDED_STATES and self.state is SessionState.SCAN_QR_CODE:
            self._scan_at = self._scan_at or time.monotonic()
        if socket_state == wa.CONNECTED_STATE:
            if self._connection_lost:
                await self._on_reconnected()
            await self._authenticate()
        elif socket_state in wa.CONNECTION_LOST_STATES and self.state is SessionState.READY:
            self._schedule_connection_check()
        return False

    def _schedule_connection_check(self) -> None:
        """Report a lost connection only if it lasts: the real site blips through TIMEOUT and back."""
        if self._connection_check is not None:
            return
        generation = self._generation

        def check() -> None:
            self._connection_check = None
            self._queue.put_nowait((generation, "connection_check", None))

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
        me = await self._read_me()
        if me is None:
            await self._fail("PHONE_UNAVAILABLE", "the page reconnected but gave no phone number")
            return
        await self._emit(
            EventType.SESSION_READY,
            {"phone_number": me.phone_number, "pushname": me.pushname, "platform": me.platform, "extraction_ms": 0},
        )
        self._set_state(SessionState.READY, phone_number=me.phone_number, reconnected=True)

    async def _on_qr(self, qr: str) -> None:
        if self.state not in (SessionState.STARTING, SessionState.SCAN_QR_CODE) or qr == self.qr:
            return
        self.qr_count += 1
        if self.qr_count == 1:
            self.manager.metrics.qr_latency.observe(time.monotonic() - self._t0)
        data = {"qr": qr, "qr_count": self.qr_count, "expires_in": wa.qr_lifetime_s(self.qr_count)}
        try:
            await self._emit(EventType.QR_CODE_GENERATED, data)
        except EventValidationError as exc:
            self.qr_count -= 1
            log.warning("page gave a malformed QR", extra=self._log_extra(detail=str(exc)))
            return
        self.qr = qr
        self._set_state(SessionState.SCAN_QR_CODE, qr_count=self.qr_count)

    async def _authenticate(self) -> None:
        if self._authenticated:
            return
        self._authenticated = True
        self._scan_at = self._scan_at or time.monotonic()
        self.qr = None
        await self._emit(EventType.SESSION_AUTHENTICATED, {})
        self._set_state(SessionState.AUTHENTICATED)

    async def _on_synced(self) -> bool:
        if self.state is SessionState.READY:
            return False
        await self._authenticate()
        synced_at = time.monotonic()
        me = await self._read_me()
        extraction_ms = int((time.monotonic() - synced_at) * 1000)
        if me is None:
            await self._fail("PHONE_UNAVAILABLE", "the page synced but gave no phone number (only a LID or nothing)")
            return True
        assert self.context is not None
        await self.manager.host.save_auth(self.session_id, self.context)
        self.phone_number, self.pushname, self.platform = me.phone_number, me.pushname, me.platform
        self.restoring = True  # from now on its auth is on disk
        await self._emit(
            EventType.SESSION_READY,
            {
                "phone_number": me.phone_number,
                "pushname": me.pushname,
                "platform": me.platform,
                "extraction_ms": extraction_ms,
            },
        )
        metrics = self.manager.metrics
        metrics.phone_extraction.observe(extraction_ms / 1000)
        if self._scan_at is not None:
            metrics.scan_to_ready.observe(time.monotonic() - self._scan_at)
        self._set_state(SessionState.READY, phone_number=me.phone_number, extraction_ms=extraction_ms)
        return False

    async def _read_me(self) -> wa.Me | None:
        """The phone number, read as soon as the page has synced; retried briefly while it is not there yet."""
        assert self.page is not None
        deadline = time.monotonic() + self.manager.settings.phone_read_timeout_s
        pause = 0.02
        while True:
            with contextlib.suppress(PlaywrightError):
                me = wa.parse_me(await self.page.evaluate(wa.ME_PROBE))
                if me is not None:
                    return me
            if time.monotonic() + pause > deadline:
                return None
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    # -- endings ----------------------------------------------------------------------------------------------

    async def _end(self, state: SessionState, reason: DisconnectReason, *, desired: str, wipe: bool) -> None:
        """Report why the session ends, free its browser context, and note whether to restore it later."""
        await self._close_context(save=False)
        if wipe:
            await self.manager.host.wipe_auth(self.session_id)
        await self.manager.store.session_set_desired(session_id=self.session_id, desired=desired)
        await self._emit(EventType.SESSION_DISCONNECTED, {"reason": reason.value})
        self._set_state(state, reason=reason.value)

    async def _fail(self, reason: str, detail: str) -> None:
        log.error("session error", extra=self._log_extra(reason=reason, detail=detail))
        await self._close_context(save=False)
        await self._emit(EventType.SESSION_ERROR, {"reason": reason, "detail": detail[:4000]})
        self._set_state(SessionState.FAILED, reason=reason)

    async def _close_context(self, *, save: bool) -> None:
        context, self.context, self.page = self.context, None, None
        self._connection_lost = False
        if self._connection_check is not None:
            self._connection_check.cancel()
            self._connection_check = None
        self._generation += 1  # whatever the old page still reports is ignored from now on
        if context is None:
            return
        if save:
            await self.save_auth(context)
        with contextlib.suppress(PlaywrightError, TimeoutError):
            await asyncio.wait_for(context.close(), 10)

    async def save_auth(self, context: BrowserContext | None = None) -> None:
        """Keep the auth of a ready session on disk (from ``context``, by default the open one)."""
        context = context or self.context
        if context is None or self.state is not SessionState.READY:
            return
        try:
            await asyncio.wait_for(self.manager.host.save_auth(self.session_id, context), 10)
        except (PlaywrightError, TimeoutError) as exc:
            log.warning("could not save the session's auth", extra=self._log_extra(detail=str(exc)))

    async def cancel_task(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def stop(self) -> None:
        """Stop on request: auth kept, not restored at the next start of the worker."""
        await self.cancel_task()
        await self._close_context(save=True)
        await self.manager.store.session_set_desired(session_id=self.session_id, desired="stopped")
        if self.state is not SessionState.STOPPED:
            await self._emit(EventType.SESSION_DISCONNECTED, {"reason": DisconnectReason.STOPPED.value})
            self._set_state(SessionState.STOPPED, reason="requested")

    async def logout(self) -> None:
        """Log the device out on WhatsApp (if the page is up) and wipe its auth."""
        await self.cancel_task()
        if self.page is not None:
            try:
                await asyncio.wait_for(self.page.evaluate(wa.LOGOUT_SCRIPT), self.manager.settings.page_timeout_s)
            except (PlaywrightError, TimeoutError) as exc:
                log.warning("logout on the page failed", extra=self._log_extra(detail=str(exc)))
        await self._close_context(save=False)
        await self.manager.host.wipe_auth(self.session_id)
        await self.manager.store.session_set_desired(session_id=self.session_id, desired="logged_out")
        self.phone_number = None
        await self._emit(EventType.SESSION_DISCONNECTED, {"reason": DisconnectReason.LOGOUT.value})
        self._set_state(SessionState.DISCONNECTED, reason="logout requested")

    async def shutdown(self) -> None:
        """The worker is stopping: keep the auth and the wish to run, so the next start restores it."""
        await self.cancel_task()
        await self._close_context(save=True)

    async def screenshot(self) -> bytes:
        if self.page is None or self.page.is_closed():
            raise SessionError(409, "no_page", f"session {self.session_id} has no page open (state {self.state})")
        timeout_ms = self.manager.settings.page_timeout_s * 1000
        return await self.page.screenshot(type="png", timeout=timeout_ms)

    async def pairing_code(self, phone_number: str) -> str:
        if self.page is None or self.state not in (SessionState.STARTING, SessionState.SCAN_QR_CODE):
            raise SessionError(409, "not_pairing", f"session {self.session_id} is not waiting to be linked")
        try:
            code = await asyncio.wait_for(
                self.page.evaluate(wa.PAIRING_CODE_SCRIPT, phone_number), self.manager.settings.page_timeout_s
            )
        except PlaywrightError as exc:
            detail = exc.message.splitlines()[0] if exc.message else repr(exc)
            raise SessionError(409, "pairing_failed", f"the page refused a pairing code: {detail}") from None
        return str(code)

    def browser_lost(self) -> None:
        self._queue.put_nowait((self._generation, "closed", None))


class SessionManager:
    def __init__(
        self, *, settings: Settings, store: Store, delivery: Delivery, host: BrowserHost, metrics: Metrics
    ) -> None:
        self.settings = settings
        self.store = store
        self.delivery = delivery
        self.host = host
        self.metrics = metrics
        self.sessions: dict[str, Session] = {}
        self._lock = asyncio.Lock()
        host.on_browser_lost = self._on_browser_lost

    @property
    def active_count(self) -> int:
        return sum(1 for session in self.sessions.values() if session.active)

    def states(self) -> dict[str, str]:
        return {session_id: session.state.value for session_id, session in self.sessions.items()}

    def refresh_gauges(self) -> None:
        counts = collections.Counter(session.state for session in self.sessions.values())
        for state in SessionState:
            self.metrics.sessions.labels(state=state.value).set(counts.get(state, 0))

    async def emit(self, *, session: Session, type: EventType, data: dict[str, Any]):
        event = await self.store.event_enqueue(
            type=type.value,
            session_id=session.session_id,
            workspace_id=session.workspace_id,
            worker_id=self.settings.worker_id,
            data=data,
        )
        self.delivery.wake(session.session_id)
        return event

    def get(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise SessionError(404, "unknown_session", f"no session {session_id} on this worker")
        return session

    async def start(self, *, session_id: str, workspace_id: str, restoring: bool = False) -> tuple[Session, bool]:
        """Start ``session_id``, or return it as it is if it already runs. True when it was (re)started."""
        if not SESSION_ID_RE.match(session_id):
            raise SessionError(400, "invalid_session_id", "session_id must be 1 to 128 of A-Z a-z 0-9 _ -")
        if not WORKSPACE_ID_RE.match(workspace_id):
            raise SessionError(400, "invalid_workspace_id", "workspace_id must be 1 to 128 of A-Z a-z 0-9 _ . : -")
        async with self._lock:
            existing = self.sessions.get(session_id)
            if existing is not None and existing.active:
                return existing, False
            if self.active_count >= self.settings.max_sessions:
                raise SessionError(503, "capacity", f"this worker already runs {self.settings.max_sessions} sessions")
            if not self.host.ready:
                raise SessionError(503, "browser_down", "the browser is not available")
            record = await self.store.session_upsert(
                session_id=session_id, workspace_id=workspace_id, desired="running"
            )
            session = Session(
                manager=self,
                session_id=session_id,
                workspace_id=workspace_id,
                restoring=restoring or self.host.has_auth(session_id),
            )
            session.sequence = record.sequence
            self.sessions[session_id] = session
            session.launch()
            self.refresh_gauges()
            return session, True

    async def restore_all(self) -> None:
        """Start every session that should run and has its auth on disk (no QR needed)."""
        for record in await self.store.sessions_desired("running"):
            if not self.host.has_auth(record.session_id):
                continue
            try:
                await self.start(session_id=record.session_id, workspace_id=record.workspace_id, restoring=True)
                log.info("session restoring", extra={"session_id": record.session_id})
            except SessionError as exc:
                log.error("session not restored", extra={"session_id": record.session_id, "detail": str(exc)})

    async def save_auth_loop(self) -> None:
        """Save the auth of every ready session now and then: WhatsApp Web keeps updating its keys."""
        while True:
            await asyncio.sleep(self.settings.auth_save_interval_s)
            for session in list(self.sessions.values()):
                await session.save_auth()

    async def close(self) -> None:
        await asyncio.gather(*(session.shutdown() for session in self.sessions.values()), return_exceptions=True)

    def _on_browser_lost(self) -> None:
        for session in self.sessions.values():
            if session.active:
                session.browser_lost()
