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
import contextlib
import logging
from typing import Any

from session_worker.auth_store import AuthStore
from session_worker.auth_sync import AuthSync
from session_worker.browser import BrowserHost
from session_worker.delivery import Delivery
from session_worker.errors import SessionError, WorkerStopping, check_ids
from session_worker.leases import LeaseBook, deadline, stale
from session_worker.metrics import Metrics
from session_worker.page import SessionPage
from session_worker.session import Session, SessionServices
from session_worker.session_life import SessionLife
from session_worker.session_task import SessionTask
from session_worker.settings import Settings
from session_worker.store import DesiredState, Store
from session_worker.warm_pages import WarmPagePool
from shared.events import DisconnectReason, Event, EventType, SessionState
from shared.proxy import SessionProxy

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager


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
        self.stopping = False  # a planned stop (SIGTERM, Ctrl-C): the browser going away is no crash
        self.leases = LeaseBook()
        self.backend = delivery.backend
        self.auth_store = AuthStore(settings=settings, http=delivery.http, host=host, backend=delivery.backend)
        self.auth_sync = AuthSync(
            store=self.auth_store, host=host, let_go=lambda s: self.forget(s, released=True), on_fenced=self._on_fenced
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
            new_page=lambda sid, via: self._guarded(
                SessionPage(session_id=sid, host=host, settings=settings, proxy=via)
            ),
            adopt_warm_page=lambda sid: self._guarded(self.warm_pages.take(sid) if self.warm_pages else None),
        )
        self._task = SessionTask.of(settings, metrics, host, stopping=lambda: self.stopping)
        host.on_browser_lost = self._on_browser_lost
        delivery.on_fenced = self._on_fenced

    def _guarded(self, page: SessionPage | None) -> SessionPage | None:
        """A session's page holds its lease's deadline (session_worker/page_deadline.py), from now on."""
        if page is not None and page.session_id is not None:
            page.lease_until = lambda sid=page.session_id: self.leases.valid_until.get(sid)
            page.follow_lease()  # an adopted warm page is open already; a new one pushes at its open
        return page

    @property
    def active_count(self) -> int:
        return sum(1 for session in self.sessions.values() if session.active)

    def opening_count(self) -> int:
        """Sessions whose page shows no QR yet, new or from kept auth (not waiting on a proxy): the pool waits."""
        states = [(s.state, s.restoring or s.fetch_auth) for s in self.sessions.values() if not s.held_back]
        return sum(st is SessionState.STARTING or (kept and st is SessionState.AUTHENTICATED) for st, kept in states)

    def states(self) -> dict[str, dict[str, Any]]:
        """What the heartbeat reports: each session's state and the lease epoch it runs under. Not a session being
        released: its STOPPED, read by the backend while the session moves, would disconnect it on its new worker."""
        return {
            sid: {"state": s.state.value, "epoch": s.epoch}
            for sid, s in self.sessions.items()
            if sid not in self.releasing
        }

    def refresh_gauges(self) -> None:
        self.metrics.refresh_sessions(self.sessions.values())

    async def _emit(self, session: SessionLife, type: EventType, data: dict[str, Any]) -> Event:
        """Write the session's event to the outbox (it takes the next sequence) and wake its delivery; nothing
        during a planned stop."""
        if self.stopping:
            raise WorkerStopping(f"not reported: {type.value} of {session.session_id}")
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

    def _check_epoch(self, session_id: str, epoch: int | None, running: int = 0) -> None:
        """A command of an older lease than one already seen for the session (running, or remembered on disk)
        comes from before a newer grant: refused."""
        highest = max(running, self.leases.highest.get(session_id, 0))
        if epoch is not None and stale(epoch, highest=highest):
            raise SessionError(409, "stale_epoch", f"session {session_id} has a lease of epoch {highest}, not {epoch}")

    # -- what the backend asks ---------------------------------------------------------------------------------

    async def start(
        self,
        *,
        session_id: str,
        workspace_id: str,
        epoch: int = 0,
        fetch_auth: bool = False,
        lease_s: float | None = None,
        proxy: SessionProxy | None = None,
    ) -> tuple[Session, bool]:
        """Start ``session_id`` under lease ``epoch`` (running ``lease_s`` more; ``fetch_auth``: fetch its auth state
        first; ``proxy``: what it connects through), or return it as it is if it runs. True when it was (re)started."""
        check_ids(session_id, workspace_id)
        if 0 < epoch <= self.leases.released.get(session_id, -1):
            raise SessionError(409, "stale_epoch", f"session {session_id} was released at epoch {epoch} or later")
        async with self._lock:
            existing = self.sessions.get(session_id)
            self._check_epoch(session_id, epoch, existing.epoch if existing is not None else 0)
            if existing is not None and existing.active and existing.epoch == epoch:
                return existing, False
            if existing is not None and existing.active:  # a newer lease of a session it still runs
                await self.release(session_id, upload=False)
            if self.active_count >= self.settings.max_sessions:
                raise SessionError(503, "capacity", f"this worker already runs {self.settings.max_sessions} sessions")
            if not self.host.ready:
                raise SessionError(503, "browser_down", "the browser is not available")
            record = await self.store.session_upsert(
                session_id=session_id, workspace_id=workspace_id, desired=DesiredState.RUNNING, epoch=epoch
            )
            self.leases.highest[session_id] = max(epoch, self.leases.highest.get(session_id, 0))
            session = Session(
                services=self._services,
                session_id=session_id,
                workspace_id=workspace_id,
                epoch=epoch,
                fetch_auth=fetch_auth,
                proxy=proxy,
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
        self._check_epoch(session_id, epoch, session.epoch)
        await self.stop_task(session)
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
        self._check_epoch(session_id, epoch, session.epoch)
        await self.stop_task(session)
        await session.log_out()
        return session

    async def release(self, session_id: str, *, epoch: int | None = None, upload: bool = True) -> Session:
        """Let the session go to another worker: close its page (saving its auth), store its final auth state on
        the backend under its lease when ``upload`` (a drain), then forget the local copy. No event: the move is
        the backend's (an event now could land after the session's new lease and be refused anyway)."""
        session = self.get(session_id)
        self._check_epoch(session_id, epoch, session.epoch)
        self.releasing.add(session_id)
        try:
            await self.stop_task(session)
            await session.leave(note="released", save=upload)
            self.leases.valid_until.pop(session_id, None)
            if upload and not await self.auth_sync.store_final(session):
                raise SessionError(503, "backend_unreachable", "the final auth state could not be stored")
            await self.host.wipe_auth(session_id)
            self.auth_store.forget(session_id)
            self.forget(session, released=True)
        finally:
            self.releasing.discard(session_id)
        log.info("session released", extra=session.log_extra(epoch=session.epoch))
        return session

    # -- leases ------------------------------------------------------------------------------------------------

    def renew(self, session_id: str, *, until: float) -> None:
        """The session's lease runs until ``until`` (monotonic): it is fenced then unless renewed again."""
        self.leases.valid_until[session_id] = until
        self.leases.fenced.discard(session_id)
        session = self.sessions.get(session_id)
        if session is not None and session.page is not None:
            session.page.follow_lease()

    def forget(self, session: SessionLife, *, released: bool) -> None:
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
        with contextlib.suppress(WorkerStopping):
            if session.fetch_auth and not await self.auth_sync.fetch(session):
                return
            await self._task.run(session)

    async def stop_task(self, session: Session) -> None:
        """Cancel the session's task (its page, if any, stays open for the caller to close)."""
        task = self._tasks.pop(session.session_id, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _on_browser_lost(self) -> None:
        for session in self.sessions.values():
            if session.active and session.page is not None:
                session.page.report("closed")

    def begin_stop(self) -> None:
        """A planned stop (SIGTERM, Ctrl-C): a page or browser going away from now on is no crash, and not reported
        (the backend keeps the sessions as they are; the restarted worker restores them from its leases)."""
        self.stopping = True
        self.host.begin_stop()

    async def close(self) -> None:
        """The worker is stopping: the sessions' tasks first (nothing more is reported), then their pages (every
        session keeps its auth, and runs again from its lease)."""
        self.begin_stop()
        sessions = list(self.sessions.values())
        await asyncio.gather(*(self.stop_task(session) for session in sessions), return_exceptions=True)
        await asyncio.gather(*(session.close_page(save=True) for session in sessions), return_exceptions=True)
