"""The session manager: which sessions this worker runs. It starts them (within MAX_SESSIONS, one start at a
time) and runs each one's task (session_worker/session_task.py), stops, logs out and releases them on the
backend's request, stops those whose leases ran out (session_worker/lease_keeper.py applies the lease
decisions through it), and queues their events in the outbox for delivery.

A worker starts sessions only from leases: the start command, or a heartbeat's answer. Whether a session opens
from auth kept on disk is the browser host's to say; whether its auth is first fetched from the backend, the
lease's (``fetch_auth``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import re
from typing import Any

from session_worker.auth_store import AuthStore
from session_worker.auth_sync import AuthSync
from session_worker.browser import BrowserHost
from session_worker.delivery import Delivery
from session_worker.errors import SessionError
from session_worker.leases import LeaseBook, deadline
from session_worker.metrics import Metrics
from session_worker.page import SessionPage
from session_worker.session import Session, SessionServices
from session_worker.session_life import SessionLife
from session_worker.session_task import SessionTask
from session_worker.settings import Settings
from session_worker.store import DesiredState, Store
from session_worker.warm_pages import WarmPagePool
from shared.events import DisconnectReason, Event, EventType, SessionState

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager

SESSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
WORKSPACE_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


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
        self.leases = LeaseBook()
        self.auth_store = AuthStore(settings=settings, http=delivery.http, host=host)
        self.auth_sync = AuthSync(
            store=self.auth_store, host=host, let_go=lambda s: self._forget(s, released=True), on_fenced=self._on_fenced
        )
        self.warm_pages: WarmPagePool | None = None  # set by the app once the pool is up
        self._tasks: dict[str, asyncio.Task] = {}
        self._lock = asyncio.Lock()  # one start at a time: the capacity check and the start are one step
        self._services = SessionServices(
            wa_web_url=settings.wa_web_url,
            ready_timeout_s=settings.ready_timeout_s,
            connection_grace_s=settings.connection_grace_s,
            metrics=metrics,
            emit=self._emit,
            record_desired=lambda sid, desired: store.session_set_desired(session_id=sid, desired=desired),
            state_changed=self.refresh_gauges,
            has_auth=host.has_auth,
            wipe_auth=host.wipe_auth,
            store_auth=self.auth_sync.store_before_ready,
            new_page=lambda session_id: SessionPage(session_id=session_id, host=host, settings=settings),
            adopt_warm_page=lambda session_id: self.warm_pages.take(session_id) if self.warm_pages else None,
        )
        self._task = SessionTask(
            page_timeout_s=settings.page_timeout_s,
            crash_restart_limit=settings.crash_restart_limit,
            browser_ready=lambda: host.ready,
            count_restart=lambda cause: metrics.restarts.labels(cause=cause).inc(),
        )
        host.on_browser_lost = self._on_browser_lost
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

    async def _emit(self, session: SessionLife, type: EventType, data: dict[str, Any]) -> Event:
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

    # -- what the backend asks ---------------------------------------------------------------------------------

    async def start(
        self,
        *,
        session_id: str,
        workspace_id: str,
        epoch: int = 0,
        fetch_auth: bool = False,
        lease_s: float | None = None,
    ) -> tuple[Session, bool]:
        """Start ``session_id`` under lease ``epoch`` (which runs ``lease_s`` more; ``fetch_auth``: fetch its auth
        state from the backend first), or return it as it is if it already runs. True when it was (re)started."""
        if not SESSION_ID_RE.fullmatch(session_id):
            raise SessionError(400, "invalid_session_id", "session_id must be 1 to 128 of A-Z a-z 0-9 _ -")
        if not WORKSPACE_ID_RE.fullmatch(workspace_id):
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
                services=self._services,
                session_id=session_id,
                workspace_id=workspace_id,
                epoch=epoch,
                fetch_auth=fetch_auth,
            )
            if lease_s is not None:
                margin_s = self.settings.lease_safety_margin_s
                self.renew(session_id, until=deadline(sent_at=session.started_mono, lasts_s=lease_s, margin_s=margin_s))
            session.sequence = record.sequence
            self.sessions[session_id] = session
            self._tasks[session_id] = asyncio.create_task(self._run(session), name=f"session:{session_id}")
            self.refresh_gauges()
            return session, True

    async def stop(self, session_id: str, *, epoch: int | None = None) -> Session:
        """Stop the session on request: its auth kept."""
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
        await session.log_out()
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
            self.leases.valid_until.pop(session_id, None)
            if upload and not await self.auth_sync.store_final(session):
                raise SessionError(503, "backend_unreachable", "the final auth state could not be stored")
            await self.host.wipe_auth(session_id)
            self.auth_store.forget(session_id)
            self._forget(session, released=True)
        finally:
            self.releasing.discard(session_id)
        log.info("session released", extra=session.log_extra(epoch=session.epoch))
        return session

    # -- leases ------------------------------------------------------------------------------------------------

    def renew(self, session_id: str, *, until: float) -> None:
        """The session's lease runs until ``until`` (monotonic): it is fenced then unless renewed again."""
        self.leases.valid_until[session_id] = until
        self.leases.fenced.discard(session_id)

    async def fence(self, session_id: str) -> None:
        """Stop a session whose lease could not be renewed: page closed, auth kept, reported when the backend is
        back (LEASE_EXPIRED; refused there if the session moved meanwhile)."""
        self.leases.valid_until.pop(session_id, None)
        session = self.sessions.get(session_id)
        if session is None or not session.active:
            return
        self.leases.fenced.add(session_id)
        await self._cancel(session)
        await session.end(
            DisconnectReason.LEASE_EXPIRED, desired=DesiredState.STOPPED, state=SessionState.STOPPED, note="fenced"
        )
        self._forget(session, released=False)  # its lease may still be its own: the next answer restarts it

    def _forget(self, session: SessionLife, *, released: bool) -> None:
        """This worker no longer holds the session: it is not reported in heartbeats any more (a report of it
        STOPPED would read as "it stopped" to the backend while it moves), and a released lease is never
        started again (only a newer one)."""
        if self.sessions.get(session.session_id) is session:
            del self.sessions[session.session_id]
        if released:
            self.leases.released[session.session_id] = session.epoch
        self.refresh_gauges()

    def _on_fenced(self, session_id: str, epoch: int) -> None:
        """The backend refused an event of ``epoch`` as stale: the session moved on; stop driving it."""
        session = self.sessions.get(session_id)
        if session is not None and session.active and session.epoch <= epoch:
            log.error("fenced: the session has a newer lease elsewhere, stopping it", extra=session.log_extra())
            task = asyncio.create_task(self.release(session_id, upload=False), name=f"fence:{session_id}")
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    # -- the sessions' tasks -----------------------------------------------------------------------------------

    async def _run(self, session: Session) -> None:
        if session.fetch_auth and not await self.auth_sync.fetch(session):
            return
        await self._task.run(session)

    async def _cancel(self, session: Session) -> None:
        task = self._tasks.pop(session.session_id, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _on_browser_lost(self) -> None:
        for session in self.sessions.values():
            if session.active and session.page is not None:
                session.page.report("closed")

    async def close(self) -> None:
        """The worker is stopping: every session keeps its auth, and runs again from its lease."""
        await asyncio.gather(*(self._shutdown(session) for session in self.sessions.values()), return_exceptions=True)

    async def _shutdown(self, session: Session) -> None:
        await self._cancel(session)
        await session.close_page(save=True)
