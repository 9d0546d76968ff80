"""A fake backend for session workers: the webhook, the sessions' auth states, and the key that signs commands.

``WebhookReceiver`` is the backend's side of the contract reduced to what a test or a measure needs. Like the backend,
it knows each worker by its name and public key (``register``) and authenticates every request: the worker names itself
(``x-worker-id``) and signs with its key (``v1a``, ``shared.identity.verify``: events and heartbeats over the raw body,
auth-state calls over ``request_content``). A request that fails is answered 401 ``{"error", "detail", "server_time"}``
and recorded in ``bad_signatures``; an event naming another worker than the one that signed it is answered 403
``worker_mismatch``. Its clock may be set off (``clock_offset_s``): it checks the signatures' timestamps against it and
answers with it (``server_time``, ``Date``). Commands to a worker are signed with ``backend.private``
(``shared.identity.sign_command``); the worker holds ``backend.public``.

It records every event it accepts with its arrival time, and can play a backend that is down (``fail_with = 503``, for
every event or those ``fail_when`` matches), slow (``stall``), or answers as a test says (``answer``).

Like the backend, it answers each heartbeat with the leases of the worker that sent it (``{"lease_ttl_s", "leases":
{session_id: {"epoch", "workspace_id", "restore", "expires_in_ms", "proxy"?}}}``), so that a worker runs as in
production: it starts only what its leases say (and ``whatsapp_web_pin``, ``pin``). A session's lease is held by the
worker it was granted to (``grant``, as the backend does before its start command; ``RunningWorker.start_session``
does it), or learned from what the workers tell: each accepted event of a session (re)grants it to the event's worker
at the event's epoch, and a session a heartbeat reports that the receiver never heard of is granted to that worker
(workspace "1" until an event names it). An ending the backend would not restart (``session_error``, or
``session_disconnected`` for another reason than LEASE_EXPIRED, BROWSER_CRASHED or CONNECTION_LOST, or for a linked
session PROXY_UNREACHABLE, PROXY_AUTH_FAILED or PAGE_CHANGED: its worker waits) revokes it, as the backend's
``should_run`` does. It never moves a session: a test that plays a move sets ``answer``. Its leases run
``lease_ttl_s`` (an hour by default: no test's heartbeat interval comes near it).

Auth states (``PUT``/``GET /api/v1/whatsapp/sessions/<id>/auth-state``) are kept in ``auth_states`` for the
holder of the session's lease (anyone else: 403 ``not_lease_holder``); ``auth_answer`` plays other answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import hashlib
import ssl
import time
from collections.abc import Callable

from aiohttp import web

from shared import identity
from shared.events import Event, parse_event
from shared.signing import VerificationError

Predicate = Callable[[Event], bool]
PATH = "/api/v1/whatsapp/webhook"
AUTH_PATH = "/api/v1/whatsapp/sessions/{session_id}/auth-state"
# A session disconnected for one of these still should run (the backend's RESTARTABLE_REASONS): its lease stays.
RESTARTABLE_REASONS = frozenset({"LEASE_EXPIRED", "BROWSER_CRASHED", "CONNECTION_LOST"})
# A linked session (ready once) whose proxy failed its check, or whose page booted changed, still should run: its
# worker checks again, or opens the page again later, and it comes back without a scan. An unlinked one ended.
PROXY_REASONS = frozenset({"PROXY_UNREACHABLE", "PROXY_AUTH_FAILED", "PAGE_CHANGED"})


@dataclasses.dataclass
class Lease:
    worker_id: str
    epoch: int = 0
    workspace_id: str = "1"
    restore: bool = False  # the backend holds the session's auth state: the worker fetches it first
    proxy: dict | None = None  # the session's proxy as the lease carries it (shared/proxy.py), or None


class WebhookReceiver:
    """Records every event it accepts, in arrival order; ``async with WebhookReceiver() as hook``."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context  # serve https (the backend's private listener with its own CA)
        self.backend = identity.new_key_pair()  # the backend's command key: commands to workers are signed with it
        self.workers: dict[str, list[str]] = {}  # worker id -> its public keys (``register``)
        self.clock_offset_s = 0.0  # how far this backend's clock is from the machine's
        self.events: list[Event] = []  # accepted (2xx) deliveries, repeats included
        self.arrived_at: dict[str, float] = {}  # event id -> time.monotonic() of its first acceptance
        self.refused: list[Event] = []  # deliveries answered with ``fail_with`` or a refusal of ``answer``
        self.refused_at: list[float] = []  # loop time of each refusal
        self.bad_signatures: list[str] = []  # requests refused 401: "<worker id>: <reason>"
        self.signed: list[tuple[str, str, str]] = []  # every authenticated request: (worker id, method, path)
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
        self.pin: str | None = None  # the WhatsApp Web build its heartbeats' answers pin (``whatsapp_web_pin``)
        self.heard_of: set[str] = set()  # every session granted, or named by an event or a heartbeat
        self.linked: set[str] = set()  # sessions that were ready once
        self.auth_states: dict[str, bytes] = {}  # session id -> the gzip'd state stored
        # Plays an auth-state answer: (method, session id) -> a response, or None to answer as the backend does.
        self.auth_answer: Callable[[str, str], web.Response | None] | None = None
        self.url = self.origin = ""
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def register(self, worker_id: str, public_key: str) -> None:
        """The worker ``worker_id`` signs with ``public_key``'s private half (what an operator registers)."""
        keys = self.workers.setdefault(worker_id, [])
        if public_key not in keys:
            keys.append(public_key)

    def now(self) -> float:
        return time.time() + self.clock_offset_s

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        app.router.add_route("*", AUTH_PATH, self._auth_state)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context).start()
        scheme = "https" if self.ssl_context else "http"
        self.origin = f"{scheme}://127.0.0.1:{self._runner.addresses[0][1]}"
        self.url = self.origin + PATH

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WebhookReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _authenticate(self, request: web.Request, content: bytes) -> str | web.Response:
        """The worker that signed ``content``, or the 401 that refuses the request."""
        worker_id = request.headers.get("x-worker-id", "")
        if worker_id not in self.workers:
            return self._unauthorized(worker_id, "unknown worker", f"no registered worker {worker_id!r}")
        try:
            identity.verify(self.workers[worker_id], request.headers, content, now=self.now())
        except VerificationError as exc:
            return self._unauthorized(worker_id, exc.reason.value, exc.detail)
        self.signed.append((worker_id, request.method, request.path_qs))
        return worker_id

    def _unauthorized(self, worker_id: str, error: str, detail: str) -> web.Response:
        self.bad_signatures.append(f"{worker_id}: {error}: {detail}")
        body = {"error": error, "detail": detail, "server_time": int(self.now())}
        return web.json_response(body, status=401, headers={"Date": email.utils.formatdate(self.now(), usegmt=True)})

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        worker_id = self._authenticate(request, body)
        if isinstance(worker_id, web.Response):
            return worker_id
        event = parse_event(body)
        assert request.headers["webhook-id"] == event.id
        if event.worker_id != worker_id:
            return web.json_response({"error": "worker_mismatch", "detail": "not the signer's event"}, status=403)
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

    async def _auth_state(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        worker_id = self._authenticate(request, identity.request_content(request.method, request.path_qs, body))
        if isinstance(worker_id, web.Response):
            return worker_id
        session_id = request.match_info["session_id"]
        played = self.auth_answer(request.method, session_id) if self.auth_answer is not None else None
        if played is not None:
            return played
        lease = self.leases.get(session_id)
        if lease is None or lease.worker_id != worker_id or str(lease.epoch) != request.headers.get("x-lease-epoch"):
            return web.json_response({"error": "not_lease_holder", "detail": "not this lease's holder"}, status=403)
        if request.method == "PUT":
            self.auth_states[session_id] = body
            return web.Response(status=204)
        state = self.auth_states.get(session_id)
        if state is None:
            return web.json_response({"error": "no_state", "detail": "none stored"}, status=404)
        return auth_state_response(state)

    # -- leases ----------------------------------------------------------------------------------------------

    def grant(
        self,
        session_id: str,
        *,
        worker_id: str,
        epoch: int = 0,
        workspace_id: str = "1",
        restore: bool = False,
        proxy: dict | None = None,
    ) -> None:
        """The session's lease is ``worker_id``'s (what the backend records before it sends the start command)."""
        self.heard_of.add(session_id)
        self.leases[session_id] = Lease(worker_id, epoch, workspace_id, restore, proxy)

    def revoke(self, session_id: str) -> None:
        self.leases.pop(session_id, None)

    def leases_of(self, worker_id: str) -> dict:
        """The heartbeat's answer to ``worker_id``: every lease it holds, in the backend's format."""
        remaining_ms = int(self.lease_ttl_s * 1000)  # renewed by this heartbeat: all of it is left
        leases = {
            session_id: {
                "epoch": lease.epoch,
                "workspace_id": lease.workspace_id,
                "restore": lease.restore,
                "expires_in_ms": remaining_ms,
                **({"proxy": lease.proxy} if lease.proxy is not None else {}),
            }
            for session_id, lease in self.leases.items()
            if lease.worker_id == worker_id
        }
        return {"status": "applied", "lease_ttl_s": self.lease_ttl_s, "leases": leases, "whatsapp_web_pin": self.pin}

    def _learn(self, event: Event) -> None:
        """What an accepted event tells of the leases (see the module's docstring)."""
        if event.type == "worker_heartbeat":
            for session_id, report in event.data["sessions"].items():
                if session_id not in self.heard_of:
                    self.grant(session_id, worker_id=event.worker_id, epoch=report["epoch"])
            return
        self.heard_of.add(event.session_id)
        if event.type == "session_ready":
            self.linked.add(event.session_id)
        restartable = RESTARTABLE_REASONS | (PROXY_REASONS if event.session_id in self.linked else frozenset())
        ended = event.type == "session_error" or (
            event.type == "session_disconnected" and event.data["reason"] not in restartable
        )
        if ended:
            self.revoke(event.session_id)
            return
        lease = self.leases.get(event.session_id)
        self.grant(
            event.session_id,
            worker_id=event.worker_id,
            epoch=event.epoch,
            workspace_id=event.workspace_id,
            restore=lease.restore if lease is not None else False,
            proxy=lease.proxy if lease is not None else None,
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


def auth_state_response(body: bytes, *, sha256: str | None = None) -> web.Response:
    """A GET's 200 as the backend gives it: the gzip'd state, named by its SHA-256 (``sha256`` to lie)."""
    headers = {
        "x-auth-state-sha256": hashlib.sha256(body).hexdigest() if sha256 is None else sha256,
        "x-auth-state-version": "1",
        "x-session-layout": "shared",
    }
    return web.Response(body=body, content_type="application/gzip", headers=headers)
