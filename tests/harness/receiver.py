"""A signed webhook endpoint that plays the backend for a session worker.

``WebhookReceiver`` is the backend's side of the contract reduced to what a test or a measure needs: it
verifies every delivery with ``shared.signing.verify`` (a bad signature is answered 401 and recorded in
``bad_signatures``), parses the event, records it with its arrival time, and can play a backend that is
down (``receiver.fail_with = 503``, for every event or those ``fail_when`` matches) or slow (``stall``).

Like the backend, it answers each heartbeat with the leases of the worker that sent it (``{"lease_ttl_s",
"leases": {session_id: {"epoch", "workspace_id", "restore"}}}``), so that a worker runs as in production: it
starts only what its leases say. A session's lease is held by the worker it was granted to (``grant``, as the
backend does before its start command; ``RunningWorker.start_session`` does it), or learned from what the
workers tell: each accepted event of a session (re)grants it to the event's worker at the event's epoch, and a
session a heartbeat reports that the receiver never heard of is granted to that worker (workspace "1" until an
event names it). An ending the backend would not restart (``session_error``, or ``session_disconnected`` for
another reason than LEASE_EXPIRED, BROWSER_CRASHED or CONNECTION_LOST) revokes it, as the backend's
``should_run`` does. It never moves a session: a test that plays a move sets ``answer``. Its leases run
``lease_ttl_s`` (an hour by default: no test's heartbeat interval comes near it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable

from aiohttp import web

from shared.events import Event, parse_event
from shared.signing import VerificationError, verify

Predicate = Callable[[Event], bool]
PATH = "/api/v1/whatsapp/webhook"
# A session disconnected for one of these still should run (the backend's RESTARTABLE_REASONS): its lease stays.
RESTARTABLE_REASONS = frozenset({"LEASE_EXPIRED", "BROWSER_CRASHED", "CONNECTION_LOST"})


@dataclasses.dataclass
class Lease:
    worker_id: str
    epoch: int = 0
    workspace_id: str = "1"
    restore: bool = False  # the backend holds the session's auth state (this receiver stores none)


class WebhookReceiver:
    """Records every event it accepts, in arrival order; ``async with WebhookReceiver(secret) as hook``."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.events: list[Event] = []  # accepted (2xx) deliveries, repeats included
        self.arrived_at: dict[str, float] = {}  # event id -> time.monotonic() of its first acceptance
        self.refused: list[Event] = []  # deliveries answered with ``fail_with``
        self.refused_at: list[float] = []  # loop time of each refusal
        self.bad_signatures: list[str] = []
        self.fail_with: int | None = None
        self.fail_when: Predicate | None = None  # answer fail_with only to matching events
        self.retry_after: str | None = None
        # Plays the backend's answer: (status, body) for an event, or None for the usual 200 "applied" (a
        # heartbeat's: with its worker's leases). E.g. leases that moved, an event refused 409 stale_epoch.
        self.answer: Callable[[Event], tuple[int, dict] | None] | None = None
        # Seconds to wait before answering an event (a backend waiting for its database), or None for at once.
        self.stall: Callable[[Event], float] | None = None
        self.lease_ttl_s = 3600.0
        self.leases: dict[str, Lease] = {}  # session id -> its lease, while it should run
        self.heard_of: set[str] = set()  # every session granted, or named by an event or a heartbeat
        self.url = ""
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}{PATH}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WebhookReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify([self.secret], request.headers, body)
        except VerificationError as exc:
            self.bad_signatures.append(str(exc))
            return web.json_response({"error": str(exc)}, status=401)
        event = parse_event(body)
        assert request.headers["webhook-id"] == event.id
        if self.stall is not None and (seconds := self.stall(event)):
            await asyncio.sleep(seconds)
        if self.fail_with is not None and (self.fail_when is None or self.fail_when(event)):
            self.refused.append(event)
            self.refused_at.append(asyncio.get_running_loop().time())
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.json_response({"error": "down"}, status=self.fail_with, headers=headers)
        answer = self.answer(event) if self.answer is not None else None
        if answer is not None and answer[0] >= 300:
            self.refused.append(event)
            return web.json_response(answer[1], status=answer[0])
        self.events.append(event)
        self.arrived_at.setdefault(event.id, time.monotonic())
        self._learn(event)
        self._arrived.set()
        if answer is not None:
            return web.json_response(answer[1])
        if event.type == "worker_heartbeat":
            return web.json_response(self.leases_of(event.worker_id))
        return web.json_response({"status": "applied"})

    # -- leases ----------------------------------------------------------------------------------------------

    def grant(
        self, session_id: str, *, worker_id: str, epoch: int = 0, workspace_id: str = "1", restore: bool = False
    ) -> None:
        """The session's lease is ``worker_id``'s (what the backend records before it sends the start command)."""
        self.heard_of.add(session_id)
        self.leases[session_id] = Lease(worker_id, epoch, workspace_id, restore)

    def revoke(self, session_id: str) -> None:
        self.leases.pop(session_id, None)

    def leases_of(self, worker_id: str) -> dict:
        """The heartbeat's answer to ``worker_id``: every lease it holds, in the backend's format."""
        leases = {
            session_id: {"epoch": lease.epoch, "workspace_id": lease.workspace_id, "restore": lease.restore}
            for session_id, lease in self.leases.items()
            if lease.worker_id == worker_id
        }
        return {"status": "applied", "detail": "", "lease_ttl_s": self.lease_ttl_s, "leases": leases}

    def _learn(self, event: Event) -> None:
        """What an accepted event tells of the leases (see the module's docstring)."""
        if event.type == "worker_heartbeat":
            for session_id, report in event.data["sessions"].items():
                if session_id not in self.heard_of:
                    self.grant(session_id, worker_id=event.worker_id, epoch=report["epoch"])
            return
        self.heard_of.add(event.session_id)
        ended = event.type == "session_error" or (
            event.type == "session_disconnected" and event.data["reason"] not in RESTARTABLE_REASONS
        )
        if ended:
            self.revoke(event.session_id)
            return
        lease = self.leases.get(event.session_id)
        restore = lease.restore if lease is not None else False
        self.grant(
            event.session_id,
            worker_id=event.worker_id,
            epoch=event.epoch,
            workspace_id=event.workspace_id,
            restore=restore,
        )

    # -- what arrived ------------------------------------------------------------------------------------------

    def of(self, session_id: str, *types: str) -> list[Event]:
        return [e for e in self.events if e.session_id == session_id and (not types or e.type in types)]

    def first(self, session_id: str, type: str) -> Event | None:
        return next(iter(self.of(session_id, type)), None)

    async def _until(self, found: Callable[[], object], within: float) -> None:
        async with asyncio.timeout(within):
            while not found():
                self._arrived.clear()
                await self._arrived.wait()

    async def wait_for(self, predicate: Predicate, *, within: float = 20.0, after: int = 0) -> Event:
        """The first accepted event (from index ``after`` on) that matches ``predicate``."""

        def match() -> Event | None:
            return next((e for e in self.events[after:] if predicate(e)), None)

        await self._until(match, within)
        return match()

    async def wait_for_type(self, session_id: str, type: str, *, within: float = 20.0, after: int = 0) -> Event:
        return await self.wait_for(lambda e: e.session_id == session_id and e.type == type, within=within, after=after)

    async def wait_all(self, session_ids: list[str], type: str, *, within: float) -> dict[str, Event]:
        """The first ``type`` event of every session in ``session_ids``."""
        await self._until(lambda: all(self.first(s, type) for s in session_ids), within)
        return {s: self.first(s, type) for s in session_ids}
