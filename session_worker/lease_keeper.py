"""The lease decisions (session_worker/leases.py) applied to this worker's sessions, through the manager.

Each heartbeat's answer (session_worker/heartbeat.py) is followed: its WhatsApp Web pin is kept
(session_worker/builds.py), what it lists is started, renewed or
released, a lease of an older epoch than one already seen is ignored, and the local auth of every session this
worker no longer holds (not listed, not running) is wiped: a worker never keeps the credentials of a session that
moved away. Every second, a session whose lease could not be renewed in time is fenced ("lease expired, stopping
session"): its page closed, its auth kept, LEASE_EXPIRED reported once the backend is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from session_worker.errors import SessionError
from session_worker.leases import Held, InvalidAnswer, Plan, parse_answer, plan_answer, plan_fencing
from session_worker.manager import SessionManager
from session_worker.store import DesiredState
from shared.events import DisconnectReason, SessionState

log = logging.getLogger("session_worker.leases")

FENCE_CHECK_S = 1.0


class LeaseKeeper:
    def __init__(self, *, manager: SessionManager) -> None:
        self.manager = manager

    def held(self) -> dict[str, Held]:
        """What the decisions read of each session the manager holds."""
        return {
            sid: Held(active=s.active, epoch=s.epoch, started_at=s.started_mono)
            for sid, s in self.manager.sessions.items()
        }

    async def follow(self, answer: Any, *, sent_at: float) -> None:
        """Make what runs here match a heartbeat's answer (the heartbeat left at ``sent_at``, monotonic). An answer
        without valid leases is logged and changes nothing."""
        try:
            parsed = parse_answer(answer)
        except InvalidAnswer as exc:
            log.error("heartbeat answer without valid leases, ignored", extra={"detail": str(exc)})
            return
        self.manager.host.builds.set_pin(parsed.pin)
        margin_s = self.manager.settings.lease_safety_margin_s
        book = self.manager.leases
        plan = plan_answer(
            parsed, held=self.held(), book=book, sent_at=sent_at, now=time.monotonic(), margin_s=margin_s
        )
        await self.apply(plan)
        book.answered = True
        await self.wipe_unheld(listed=set(parsed.leases))

    async def wipe_unheld(self, *, listed: set[str]) -> None:
        """Wipe the auth on disk of each session neither listed in the answer nor running here."""
        manager = self.manager
        for session_id in await asyncio.to_thread(manager.host.sessions_on_disk):
            session = manager.sessions.get(session_id)  # looked up now: a start may have come meanwhile
            if session_id in listed or (session is not None and session.active):
                continue
            await manager.host.wipe_auth(session_id)
            manager.auth_store.forget(session_id)
            log.warning("local auth wiped: the session is not this worker's", extra={"session_id": session_id})

    async def fence_loop(self) -> None:
        """Stop each session whose lease could not be renewed in time."""
        while True:
            await asyncio.sleep(FENCE_CHECK_S)
            await self.fence_expired(now=time.monotonic())

    async def fence_expired(self, *, now: float) -> None:
        await self.apply(plan_fencing(held=self.held(), book=self.manager.leases, now=now))

    async def apply(self, plan: Plan) -> None:
        manager = self.manager
        for ignored in plan.ignored:
            log.warning("lease ignored", extra={"session_id": ignored.session_id, "detail": ignored.why})
        for release in plan.release:
            session = manager.sessions.get(release.session_id)
            if session is None:
                continue
            log.warning("session lease lost, stopping session", extra=session.log_extra(detail=release.why))
            try:
                await manager.release(release.session_id, upload=False)
            except SessionError as exc:
                log.error("session not released", extra={"session_id": release.session_id, "detail": str(exc)})
        for session_id, until in plan.renew.items():
            manager.renew(session_id, until=until)
        for start in plan.start:
            try:
                await manager.start(
                    session_id=start.session_id,
                    workspace_id=start.workspace_id,
                    epoch=start.epoch,
                    fetch_auth=start.fetch_auth,
                    lease_s=start.lease_s,
                    proxy=start.proxy,
                )
                log.info("session started from its lease", extra={"session_id": start.session_id, "epoch": start.epoch})
            except SessionError as exc:
                log.error("session not started", extra={"session_id": start.session_id, "detail": str(exc)})
        for session_id in plan.forget:
            manager.leases.valid_until.pop(session_id, None)
        for session_id in plan.fence:
            session = manager.sessions.get(session_id)
            if session is None:
                continue
            detail = "the backend did not renew the lease in time"
            log.error("lease expired, stopping session", extra=session.log_extra(epoch=session.epoch, detail=detail))
            await self.fence(session_id)

    async def fence(self, session_id: str) -> None:
        """Stop a session whose lease could not be renewed: page closed, auth kept, reported when the backend is
        back (LEASE_EXPIRED; refused there if the session moved meanwhile)."""
        manager = self.manager
        manager.leases.valid_until.pop(session_id, None)
        session = manager.sessions.get(session_id)
        if session is None or not session.active:
            return
        manager.leases.fenced.add(session_id)
        await manager.stop_task(session)
        await session.end(
            DisconnectReason.LEASE_EXPIRED, desired=DesiredState.STOPPED, state=SessionState.STOPPED, note="fenced"
        )
        manager.forget(session, released=False)  # its lease may still be its own: the next answer restarts it
