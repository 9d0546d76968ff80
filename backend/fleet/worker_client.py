"""Signed calls to a session worker's API (docs/contracts.md, "Worker API").

The Celery tasks call it synchronously (the standard library's urllib); a request's view that waits on a
worker calls it asynchronously (aiohttp), so that no thread is held while the worker answers.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import aiohttp
from django.conf import settings

from shared.events import SessionState
from shared.identity import sign_command

if TYPE_CHECKING:
    from backend.fleet.models import WorkerNode
    from shared.proxy import SessionProxy

log = logging.getLogger(__name__)

MAX_LISTED = 10_000  # sessions a worker may list (its MAX_SESSIONS is at most that)
SESSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
STATES = frozenset(state.value for state in SessionState)


class WorkerError(Exception):
    """The worker answered with an error (``reason``: its ``error`` code, docs/contracts.md), or could not be
    reached. ``retryable`` for connection failures, 5xx and 429 answers."""

    def __init__(self, message: str, *, status: int | None = None, reason: str = "", retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.retryable = retryable


class WorkerClient:
    """Calls to one registered worker (``worker``: its ``id`` and ``base_url``, the operator's). Each command is
    signed with the backend's own key (BACKEND_SIGNING_KEYS) over the worker's name, method, path and body: it is
    good for that worker only."""

    def __init__(self, worker: WorkerNode, *, timeout: float | None = None) -> None:
        self.worker_id = worker.id
        self.base_url = worker.base_url.rstrip("/")
        self.keys = settings.BACKEND_SIGNING_KEYS
        self.timeout = timeout or settings.WORKER_REQUEST_TIMEOUT_S
        self._prefix = urlsplit(self.base_url).path

    def _signed(self, method: str, path: str, payload: dict[str, Any] | None) -> tuple[bytes | None, dict[str, str]]:
        """The body to send (None without a payload) and the signed headers."""
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        headers = sign_command(self.keys, self.worker_id, method, self._prefix + path, body)
        if payload is not None:
            headers["content-type"] = "application/json"
        return (body if payload is not None else None), headers

    @staticmethod
    def _refusal(method: str, path: str, status: int, raw: bytes) -> WorkerError:
        """The worker answered ``status`` >= 400 with ``raw`` (its JSON error, or anything)."""
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        code, detail = str(answer.get("error", "")), str(answer.get("detail", ""))
        return WorkerError(
            f"{method} {path}: {status} {code}: {detail}".rstrip(": "),
            status=status,
            reason=code,
            retryable=status >= 500 or status == 429,
        )

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> tuple[int, Any]:
        body, headers = self._signed(method, path, payload)
        request = urllib.request.Request(  # noqa: S310 (the base URL is an http(s) URL from a heartbeat)
            self.base_url + path, data=body, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raise self._refusal(method, path, exc.code, exc.read()) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise WorkerError(f"{method} {path}: {exc}", retryable=True) from None

    async def _call_async(self, method: str, path: str, payload: dict[str, Any] | None = None) -> tuple[int, Any]:
        body, headers = self._signed(method, path, payload)
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as http,
                http.request(method, self.base_url + path, data=body, headers=headers) as response,
            ):
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise WorkerError(f"{method} {path}: {exc}", retryable=True) from None
        if status >= 400:
            raise self._refusal(method, path, status, raw)
        return status, json.loads(raw) if raw else None

    def start_session(
        self,
        *,
        session_id: str,
        workspace_id: int | str,
        epoch: int,
        restore: bool,
        lease_ms: int,
        proxy: SessionProxy | None = None,
    ) -> dict[str, Any]:
        """Run the session under lease ``epoch`` (which ends in ``lease_ms`` unless renewed); ``restore``: the
        backend keeps its auth state, which the worker downloads; ``proxy``: the one its browser goes through
        (none: directly). The body carries the proxy's password: it is never logged."""
        payload = {
            "session_id": session_id,
            "workspace_id": str(workspace_id),
            "epoch": epoch,
            "restore": restore,
            "lease_expires_in_ms": lease_ms,
        }
        if proxy is not None:
            payload["proxy"] = proxy.to_wire()
        _, view = self._call("POST", "/sessions", payload)
        return view

    def stop_session(self, *, session_id: str, epoch: int) -> dict[str, Any] | None:
        """Stop a session (auth kept); None if the worker does not know it."""
        return self._maybe("DELETE", f"/sessions/{quote(session_id)}?epoch={epoch}")

    def logout_session(self, *, session_id: str, epoch: int) -> dict[str, Any] | None:
        """Log a session out on WhatsApp and wipe its auth; None if the worker does not know it."""
        return self._maybe("POST", f"/sessions/{quote(session_id)}/logout", {"epoch": epoch})

    def release_session(self, *, session_id: str, epoch: int) -> dict[str, Any] | None:
        """Stop a session to move it: its final auth state is stored on the backend first, its local copy
        forgotten; None if the worker does not run it."""
        return self._maybe("POST", f"/sessions/{quote(session_id)}/release", {"epoch": epoch})

    async def request_pairing_code(self, *, session_id: str, phone_number: str) -> str:
        """An 8-character code the phone enters instead of scanning the QR (WhatsApp's "link with phone")."""
        path = f"/sessions/{quote(session_id)}/pairing-code"
        _, answer = await self._call_async("POST", path, {"phone_number": phone_number})
        return str(answer["code"])

    def list_sessions(self) -> dict[str, dict[str, Any]]:
        """What the worker says it runs, ``{session_id: {"state", "epoch"}}``: checked, never trusted as given (at
        most MAX_LISTED sessions, each a session id, a known state and an epoch); a malformed entry is dropped."""
        _, answer = self._call("GET", "/sessions")
        listed = answer.get("sessions") if isinstance(answer, dict) else None
        if not isinstance(listed, list) or len(listed) > MAX_LISTED:
            raise WorkerError(f"GET /sessions: not a list of at most {MAX_LISTED} sessions")
        sessions: dict[str, dict[str, Any]] = {}
        for entry in listed:
            session_id = entry.get("session_id") if isinstance(entry, dict) else None
            state, epoch = (entry.get("state"), entry.get("epoch", 0)) if isinstance(entry, dict) else (None, None)
            valid = (
                isinstance(session_id, str)
                and SESSION_ID_RE.fullmatch(session_id)
                and state in STATES
                and isinstance(epoch, int)
                and not isinstance(epoch, bool)
                and 0 <= epoch < 2**62
            )
            if not valid:
                log.warning(
                    "worker %s: GET /sessions listed a malformed session, dropped: %.200r", self.worker_id, entry
                )
                continue
            sessions[session_id] = {"state": state, "epoch": epoch}
        return sessions

    def _maybe(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any] | None:
        try:
            return self._call(method, path, payload)[1]
        except WorkerError as exc:
            if exc.status == 404:
                return None
            raise
