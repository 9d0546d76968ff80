"""The session manager: which sessions this worker runs. It starts them (within MAX_SESSIONS, one start at
a time) and runs each one's task, stops and logs them out on the backend's request, restores the ones that
should run after a restart, and queues their events in the outbox for delivery.

A session's task opens its page, hands the page's reports to the session one at a time, in order, and opens
the page again after a crash of the page or of the browser (at most CRASH_RESTART_LIMIT times within
CRASH_WINDOW_S); what each report does is the session's business (session_worker/session.py).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import re
import time
from typing import Any

from playwright.async_api import Error as PlaywrightError

from session_worker.auth_store import AuthStore, Fenced, StateUnreadable
from session_worker.browser import BrowserHost
from session_worker.delivery import Delivery
from session_worker.errors import SessionError
from session_worker.leases import Leases
from session_worker.metrics import Metrics
from session_worker.page import SessionPage
from session_worker.session import Session
from session_worker.settings import Settings
from session_worker.store import DesiredState, Store
from session_worker.warm_pages import WarmPagePool
from shared.events import DisconnectReason, Event, EventType, SessionState

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager

SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
WORKSPACE_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
CRASH_WINDOW_S = 600  # CRASH_RESTART_LIMIT counts the restarts within this window


class PageLost(Exception):
    """The page or the browser died: report, then open the session again from its kept auth."""


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
        self.releasing: set[str] = set()  # sessions being let go to another worker: not reported in heartbeats
        self._tasks: dict[str, asyncio.Task] = {}
        self._lock = asyncio.Lock()  # one start at a time: the capacity check and the start are one step
        self.warm_pages: WarmPagePool | None = None  # set by the app once the pool is up
        host.on_browser_lost = self._on_browser_lost
        self.leases = Leases(manager=self)
        self.auth_store = AuthStore(settings=settings, http=delivery.http, host=host)
        delivery.on_fenced = self._on_fenced

    @property
    def active_count(self) -> int:
        return sum(1 for session in self.sessions.values() if session.active)

    def restoring_count(self) -> int:
        """Sessions opening from their kept auth (or fetching it) that are not ready yet: they show no QR."""
        opening = (SessionState.STARTING, SessionState.AUTHENTICATED)
        return sum(1 for s in self.sessions.values() if (s.restoring or s.fetch_auth) and s.state in opening)

    def states(self) -> dict[str, dict[str, Any]]:
        """What the heartbeat reports: each session's state and the lease epoch it runs under. Not a session being
        released: its STOPPED, read by the backend while the session moves, would disconnect it on its new worker."""
        return {
            sid: {"state": s.state.value, "epoch": s.epoch}
            for sid, s in self.sessions.items()
            if sid not in self.releasing
        }

    def refresh_gauges(self) -> None:
        counts = collections.Counter(session.state for session in self.sessions.values())
        for state in SessionState:
            self.metrics.sessions.labels(state=state.value).set(counts.get(state, 0))

    async def emit(self, *, session: Session, type: EventType, data: dict[str, Any]) -> Event:
        """Write the session's event to the outbox (it takes the next sequence) and wake its delivery."""
        event = await self.store.event_enqueue(
            type=type.value,
            session_id=session.session_id,
            workspace_id=session.workspace_id,
            worker_id=self.settings.worker_id,
            data=data,
            epoch=session.epoch,
        )
        self.delivery.wake(session.session_id)
        return event

    def get(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise SessionError(404, "unknown_session", f"no session {session_id} on this worker")
        return session

    def _check_epoch(self, session: Session, epoch: int | None) -> None:
        """A command of an older lease than the one the session runs under comes from before a move: refused."""
        if epoch is not None and epoch < session.epoch:
            raise SessionError(
                409, "stale_epoch", f"session {session.session_id} runs under epoch {session.epoch}, not {epoch}"
            )

    async def start(
        self,
        *,
        session_id: str,
        workspace_id: str,
        epoch: int = 0,
        restore: bool = False,
        lease_s: float | None = None,
        restoring: bool = False,
    ) -> tuple[Session, bool]:
        """Start ``session_id`` under lease ``epoch`` (which runs ``lease_s`` more; ``restore``: fetch its auth
        state from the backend first), or return it as it is if it already runs. True when it was (re)started."""
        if not SESSION_ID_RE.match(session_id):
            raise SessionError(400, "invalid_session_id", "session_id must be 1 to 128 of A-Z a-z 0-9 _ -")
        if not WORKSPACE_ID_RE.match(workspace_id):
            raise SessionError(400, "invalid_workspace_id", "workspace_id must be 1 to 128 of A-Z a-z 0-9 _ . : -")
        if 0 < epoch <= self.leases.released.get(session_id, -1):
            raise SessionError(409, "stale_epoch", f"session {session_id} was released at epoch {epoch} or later")
        async with self._lock:
            existing = self.sessions.get(session_id)
            if existing is not None:
                self._check_epoch(existing, epoch)
            if existing is not None and existing.active and existing.epoch == epoch:
                return existing, False
            if existing is not None and existing.active:  # a newer lease of a session it still runs
                await self.release(session_id, upload=False)
            if self.active_count >= self.settings.max_sessions:
                raise SessionError(503, "capacity", f"this worker already runs {self.settings.max_sessions} sessions")
            if not self.host.ready:
                raise SessionError(503, "browser_down", "the browser is not available")
            record = await self.store.session_upsert(
                session_id=session_id, workspace_id=workspace_id, desired=DesiredState.RUNNING
            )
            session = Session(
                manager=self,
                session_id=session_id,
                workspace_id=workspace_id,
                restoring=restoring or self.host.has_auth(session_id),
            )
            session.epoch, session.fetch_auth = epoch, restore
            if lease_s is not None:
                self.leases.grant(session_id, sent_at=session.started_mono, lasts_s=lease_s)
            session.sequence = record.sequence
            self.sessions[session_id] = session
            self._tasks[session_id] = asyncio.create_task(self._run(session), name=f"session:{session_id}")
            self.refresh_gauges()
            return session, True

    def adopt_warm_page(self, session_id: str) -> SessionPage | None:
        """A page of the warm page pool, already showing a QR, for a session that starts unlinked."""
        return self.warm_pages.take(session_id) if self.warm_pages is not None else None

    async def stop(self, session_id: str, *, epoch: int | None = None) -> Session:
        """Stop the session on request: its auth kept, not restored at the next start of the worker."""
        session = self.get(session_id)
        self._check_epoch(session, epoch)
        await self._cancel(session)
        await session.end(
            DisconnectReason.STOPPED,
            desired=DesiredState.STOPPED,
            save=True,
            state=SessionState.STOPPED,
            note="requested",
        )
        return session

    async def logout(self, session_id: str, *, epoch: int | None = None) -> Session:
        """Log the device out on WhatsApp (if its page is up) and wipe the session's auth."""
        session = self.get(session_id)
        self._check_epoch(session, epoch)
        await self._cancel(session)
        if session.page is not None and session.page.page is not None:
            try:
                await session.page.log_out()
            except (PlaywrightError, TimeoutError) as exc:
                log.warning("logout on the page failed", extra=session.log_extra(detail=str(exc)))
        session.phone_number = None
        await session.end(DisconnectReason.LOGOUT, desired=DesiredState.LOGGED_OUT, wipe=True, note="logout requested")
        return session

    async def release(self, session_id: str, *, epoch: int | None = None, upload: bool = True) -> Session:
        """Let the session go to another worker: close its page (saving its auth), store its final auth state on
        the backend under its lease when ``upload`` (a drain), then forget the local copy. No event: the move is
        the backend's (an event now could land after the session's new lease and be refused anyway)."""
        session = self.get(session_id)
        self._check_epoch(session, epoch)
        self.releasing.add(session_id)
        try:
            await self._cancel(session)
            await session.leave(note="released", save=upload)
            self.leases.forget(session_id)
            if upload:
                try:
                    if not await self.auth_store.upload(session_id, session.epoch):
                        raise SessionError(503, "backend_unreachable", "the final auth state could not be stored")
                except Fenced:
                    log.warning("fenced", extra=session.log_extra(detail="the lease moved before the release"))
            await self.host.wipe_auth(session_id)
            self.auth_store.forget(session_id)
            self._forget(session, released=True)
        finally:
            self.releasing.discard(session_id)
        log.info("session released", extra=session.log_extra(epoch=session.epoch))
        return session

    def _forget(self, session: Session, *, released: bool) -> None:
        """This worker no longer holds the session: it is not reported in heartbeats any more (a report of it
        STOPPED would read as "it stopped" to the backend while it moves), and a released lease is never
        started again (only a newer one)."""
        if self.sessions.get(session.session_id) is session:
            del self.sessions[session.session_id]
        if released:
            self.leases.released[session.session_id] = session.epoch
        self.refresh_gauges()

    async def fence(self, session_id: str) -> None:
        """Stop a session whose lease could not be renewed: page closed, auth kept, reported when the backend is
        back (LEASE_EXPIRED; refused there if the session moved meanwhile)."""
        session = self.sessions.get(session_id)
        if session is None or not session.active:
            return
        await self._cancel(session)
        await session.end(
            DisconnectReason.LEASE_EXPIRED, desired=DesiredState.STOPPED, state=SessionState.STOPPED, note="fenced"
        )
        self._forget(session, released=False)  # its lease may still be its own: the next answer restarts it

    def _on_fenced(self, session_id: str, epoch: int) -> None:
        """The backend refused an event of ``epoch`` as stale: the session moved on; stop driving it."""
        session = self.sessions.get(session_id)
        if session is not None and session.active and session.epoch <= epoch:
            log.error("fenced: the session has a newer lease elsewhere, stopping it", extra=session.log_extra())
            task = asyncio.create_task(self.release(session_id, upload=False), name=f"fence:{session_id}")
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def store_auth(self, session: Session) -> bool:
        """Store the session's auth state on the backend (retrying while it is unreachable); False when the lease
        is gone (the session has then left its page and its local auth is wiped)."""
        try:
            await self.auth_store.upload_until_stored(session.session_id, session.epoch)
            return True
        except Fenced:
            log.error("fenced: the lease moved while the session was linking", extra=session.log_extra())
            await session.leave(note="fenced", save=False)
            await self.host.wipe_auth(session.session_id)
            self._forget(session, released=True)
            return False

    async def _fetch_auth(self, session: Session) -> bool:
        """Bring the backend's copy of the session's auth state to the local cache; False when it cannot run."""
        session.fetch_auth = False
        try:
            if await self.auth_store.download(session.session_id, session.epoch):
                session.restoring = True
        except Fenced:
            log.error("fenced: the lease moved before the session opened", extra=session.log_extra())
            await session.leave(note="fenced", save=False)
            self._forget(session, released=True)
            return False
        except StateUnreadable as exc:
            await session.fail("AUTH_STATE_UNREADABLE", f"the backend cannot decrypt the stored state: {exc}")
            return False
        return True

    async def screenshot(self, session_id: str) -> bytes:
        session = self.get(session_id)
        if session.page is None or not session.page.is_open:
            raise SessionError(409, "no_page", f"session {session_id} has no page open (state {session.state})")
        return await session.page.screenshot()

    async def pairing_code(self, session_id: str, phone_number: str) -> str:
        """An 8-character code that links ``phone_number`` instead of a QR scan; TimeoutError if the page is slow."""
        session = self.get(session_id)
        if session.page is None or session.page.page is None or not session.waiting_for_link:
            raise SessionError(409, "not_pairing", f"session {session_id} is not waiting to be linked")
        try:
            return await session.page.pairing_code(phone_number)
        except PlaywrightError as exc:
            detail = exc.message.splitlines()[0] if exc.message else repr(exc)
            raise SessionError(409, "pairing_failed", f"the page refused a pairing code: {detail}") from None

    async def restore_all(self) -> None:
        """Start every session that should run and has its auth on disk (no QR needed)."""
        for record in await self.store.sessions_desired(DesiredState.RUNNING):
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
                if session.state is SessionState.READY:
                    try:
                        await self.auth_store.upload(session.session_id, session.epoch)
                    except Fenced:
                        self._on_fenced(session.session_id, session.epoch)

    async def close(self) -> None:
        """The worker is stopping: every session keeps its auth and its wish to run (restored next start)."""
        await asyncio.gather(*(self._shutdown(session) for session in self.sessions.values()), return_exceptions=True)

    async def _shutdown(self, session: Session) -> None:
        await self._cancel(session)
        await session.close_page(save=True)

    def _on_browser_lost(self) -> None:
        for session in self.sessions.values():
            if session.active and session.page is not None:
                session.page.report("closed")

    # -- a session's task --------------------------------------------------------------------------------------

    async def _cancel(self, session: Session) -> None:
        task = self._tasks.pop(session.session_id, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, session: Session) -> None:
        if session.fetch_auth and not await self._fetch_auth(session):
            return
        restarts: list[float] = []  # when the recent restarts happened
        while True:
            try:
                await self._consume(session, await session.open_page())
                return
            except PageLost as lost:
                cause = str(lost)
            except asyncio.CancelledError:
                raise
            except TimeoutError as exc:
                await session.fail("PAGE_TIMEOUT", str(exc) or "a page operation timed out")
                return
            except PlaywrightError as exc:
                if self.host.ready and session.page is not None and session.page.is_open:
                    await session.fail("BROWSER_ERROR", exc.message.splitlines()[0] if exc.message else repr(exc))
                    return
                cause = "page_gone"
            except Exception as exc:
                log.exception("session failed", extra=session.log_extra())
                await session.fail("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")
                return
            now = time.monotonic()
            restarts = [at for at in restarts if now - at < CRASH_WINDOW_S]
            await session.lose_page(cause=cause, recent_restarts=len(restarts))
            if len(restarts) >= self.settings.crash_restart_limit:
                await session.fail("CRASH_LOOP", f"{cause}; {len(restarts)} restarts in {CRASH_WINDOW_S} s, giving up")
                return
            restarts.append(now)
            self.metrics.restarts.labels(cause=cause).inc()
            session.restart(cause=cause, restarts=len(restarts))

    async def _consume(self, session: Session, page: SessionPage) -> None:
        """Hand the page's reports to the session until it ends; the page must boot within PAGE_TIMEOUT_S."""
        timeout = self.settings.page_timeout_s
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
