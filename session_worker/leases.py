"""The worker's side of the leases (docs/design.md "Many workers"): which sessions it may drive, until when.

The backend holds one lease per session (worker, epoch, expiry). This worker learns its leases from two places:
the start command (``POST /sessions`` with the epoch and how long the lease runs) and the answer to every
heartbeat, which lists every lease it holds. It makes what it runs match that answer:
- a listed session it does not run (or ran under an older epoch, or stopped itself for lack of renewal) is
  started, restored from the backend's stored auth state when there is one;
- a session it runs that is not listed (it moved to another worker), or is listed with a newer epoch, is
  stopped, and its local auth forgotten (the backend's copy is the truth);
- each listed session it runs at that epoch is renewed until ``sent_at + lease_ttl_s - LEASE_SAFETY_MARGIN_S``,
  ``sent_at`` being when the heartbeat LEFT: the backend measures the lease from when it arrived, so this
  deadline is always earlier than the backend's.

Fencing: every second, a session past its deadline (the backend could not be reached to renew it) is stopped
("lease expired, stopping session"), its page closed, its auth kept; another worker may take it once the
backend's lease runs out, never before this worker has let go. A session with no deadline (started by a backend
that does not speak leases) is never fenced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from session_worker.manager import SessionManager

log = logging.getLogger("session_worker.leases")

FENCE_CHECK_S = 1.0


class Leases:
    def __init__(self, *, manager: SessionManager) -> None:
        self.manager = manager
        self.margin_s = manager.settings.lease_safety_margin_s
        self.valid_until: dict[str, float] = {}  # session id -> time.monotonic() deadline
        self.fenced: set[str] = set()  # stopped for lack of renewal: started again if still listed
        self.released: dict[str, int] = {}  # session id -> the epoch it was let go at: never started again
        self.spoken = False  # the backend answered with leases at least once
        self.answered = False  # a heartbeat's answer was applied: what this worker restores has been started

    def grant(self, session_id: str, *, sent_at: float, lasts_s: float) -> None:
        self.valid_until[session_id] = sent_at + lasts_s - self.margin_s
        self.fenced.discard(session_id)

    def forget(self, session_id: str) -> None:
        self.valid_until.pop(session_id, None)

    async def apply(self, answer: dict[str, Any], *, sent_at: float) -> None:
        """Make what runs here match the heartbeat's answer (sent at ``sent_at``, monotonic)."""
        await self._apply(answer, sent_at=sent_at)
        self.answered = True

    async def _apply(self, answer: dict[str, Any], *, sent_at: float) -> None:
        leases = answer.get("leases")
        if not isinstance(leases, dict):
            if not self.spoken:  # a backend without leases: the sessions kept on disk run again, as before
                self.spoken = True
                await self.manager.restore_all()
            return
        self.spoken = True
        ttl = float(answer.get("lease_ttl_s") or 0)
        manager = self.manager
        for session_id, session in list(manager.sessions.items()):
            lease = leases.get(session_id)
            if not session.active or session.started_mono >= sent_at:
                continue  # started after the heartbeat left: the answer may not know it yet
            if lease is None or lease["epoch"] > session.epoch:
                why = "moved to another worker" if lease is None else f"a newer lease (epoch {lease['epoch']})"
                log.warning("session lease lost, stopping session", extra=session.log_extra(detail=why))
                await manager.release(session_id, upload=False)
        for session_id, lease in leases.items():
            session = manager.sessions.get(session_id)
            if session is not None and session.active and session.epoch == lease["epoch"]:
                self.grant(session_id, sent_at=sent_at, lasts_s=ttl)
                continue
            restartable = session is None or lease["epoch"] > session.epoch or session_id in self.fenced
            if (session is not None and session.active) or not restartable:
                continue
            if lease["epoch"] <= self.released.get(session_id, -1):
                continue  # let go (it is moving): listed only until the backend's move commits
            await self._start(session_id, lease, sent_at=sent_at, ttl=ttl)

    async def _start(self, session_id: str, lease: dict[str, Any], *, sent_at: float, ttl: float) -> None:
        from session_worker.manager import SessionError

        try:
            await self.manager.start(
                session_id=session_id,
                workspace_id=str(lease["workspace_id"]),
                epoch=int(lease["epoch"]),
                restore=bool(lease.get("restore")),
                lease_s=max(0.0, ttl - (time.monotonic() - sent_at)),
            )
            log.info("session started from its lease", extra={"session_id": session_id, "epoch": lease["epoch"]})
        except SessionError as exc:
            log.error("session not started", extra={"session_id": session_id, "detail": str(exc)})

    async def fence_loop(self) -> None:
        """Stop each session whose lease could not be renewed in time."""
        while True:
            await asyncio.sleep(FENCE_CHECK_S)
            await self.fence_expired(now=time.monotonic())

    async def fence_expired(self, *, now: float) -> None:
        for session_id, until in list(self.valid_until.items()):
            session = self.manager.sessions.get(session_id)
            if session is None or not session.active:
                self.valid_until.pop(session_id, None)
                continue
            if now < until:
                continue
            log.error(
                "lease expired, stopping session",
                extra=session.log_extra(epoch=session.epoch, detail="the backend did not renew the lease in time"),
            )
            self.valid_until.pop(session_id, None)
            self.fenced.add(session_id)
            await self.manager.fence(session_id)
