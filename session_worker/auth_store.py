"""The sessions' auth states kept on the backend, so that any worker can open a session without a QR.

``PUT`` and ``GET`` ``<backend>/api/v1/whatsapp/sessions/<id>/auth-state``, signed by this worker over method,
path and body (session_worker/backend_auth.py), with the session's lease epoch in ``x-lease-epoch``
(docs/contracts.md). The worker's disk stays a cache: it uploads the gzip'd storage state before it reports a
session ready and whenever the periodic save finds it changed, and downloads it when told to run a session it does
not hold. Both layouts keep the same storage state (browser.py), so a session moves between workers of either
layout. A fetched state is used only if its SHA-256 is the one the backend names (``x-auth-state-sha256``), and
inflated only within a bound (session_worker/gunzip.py).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import time
from collections.abc import Mapping
from urllib.parse import quote

import aiohttp

from session_worker.backend_auth import BackendStatus, fences, read_at_most, request_headers
from session_worker.browser import STATE_FILE, BrowserHost, write_atomically
from session_worker.settings import Settings
from shared import gunzip

log = logging.getLogger("session_worker.auth_store")

UPLOAD_RETRY_MAX_S = 10.0


class Fenced(Exception):
    """The backend says this worker's lease of the session is gone (409 stale_epoch, 403 not_lease_holder): stop
    driving it."""


class BadState(Exception):
    """A fetched state this worker will not use (its SHA-256 is not the one named, or it does not inflate within
    the bound): the fetch failed, it is tried again later."""


class StateUnreadable(Exception):
    """The backend holds the state but cannot decrypt it (a key not in SESSION_STATE_KEYS)."""


class AuthStore:
    def __init__(
        self, *, settings: Settings, http: aiohttp.ClientSession, host: BrowserHost, backend: BackendStatus
    ) -> None:
        self.settings = settings
        self.http = http
        self.host = host
        self.backend = backend
        self._stored: dict[str, str] = {}  # session id -> sha256 of the gzip'd state the backend holds

    def _path(self, session_id: str) -> str:
        return f"/api/v1/whatsapp/sessions/{quote(session_id)}/auth-state"

    def _headers(self, method: str, path: str, epoch: int, body: bytes = b"") -> dict[str, str]:
        return {**request_headers(self.settings, method, path, body), "x-lease-epoch": str(epoch)}

    def _answered(self, status: int, body: bytes, headers: Mapping[str, str], asked_at: float) -> None:
        """Raise Fenced when the answer says the lease is gone; keep the backend's (re)acceptance of this worker."""
        if fences(status, body):
            raise Fenced(body[:300].decode(errors="replace"))
        if status == 401:
            self.backend.refused(what="auth state", status=status, body=body, headers=headers, local_time=asked_at)
        elif status < 500 and status not in (408, 429):  # answered as this worker, whatever the answer
            self.backend.accepted()

    async def upload(self, session_id: str, epoch: int) -> bool:
        """Store the session's state on the backend once; unchanged is a no-op. False: the backend could not take
        it now (unreachable, 5xx, 429), retry later. A final refusal (too large, unknown session...) is logged
        and True: the session runs on, it just cannot move without a QR. Raises Fenced when the lease is no
        longer this worker's."""
        state = self.host.session_dir(session_id) / STATE_FILE
        if not state.is_file():
            return True
        raw = await asyncio.to_thread(state.read_bytes)
        body = await asyncio.to_thread(gzip.compress, raw, mtime=0)
        digest = hashlib.sha256(body).hexdigest()
        if self._stored.get(session_id) == digest:
            return True
        if len(raw) > gunzip.inflate_limit(len(body)):  # no worker would take it back (session_worker/gunzip.py)
            log.error(
                "AUTH STATE TOO LARGE TO MOVE: the session cannot move to another worker without a QR",
                extra={"session_id": session_id, "bytes": len(raw), "gzip_bytes": len(body)},
            )
            return True
        path = self._path(session_id)
        headers = {**self._headers("PUT", path, epoch, body), "content-type": "application/gzip"}
        headers["x-session-layout"] = self.settings.layout.value
        asked_at = time.time()
        try:
            async with self.http.put(
                self.settings.backend_origin + path,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_s),
            ) as response:
                answer = await read_at_most(response.content, 64 * 1024)
                status, answer_headers = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("auth state not stored", extra={"session_id": session_id, "error": f"{type(exc).__name__}"})
            return False
        self._answered(status, answer, answer_headers, asked_at)
        text = answer[:300].decode(errors="replace")
        if status >= 500 or status in (401, 408, 429):
            log.warning("auth state not stored", extra={"session_id": session_id, "status": status})
            return False
        if status >= 300:
            log.error(
                "AUTH STATE REFUSED: the session cannot move to another worker without a QR",
                extra={"session_id": session_id, "status": status, "response": text},
            )
            return True
        self._stored[session_id] = digest
        log.info("auth state stored", extra={"session_id": session_id, "epoch": epoch, "bytes": len(body)})
        return True

    async def upload_until_stored(self, session_id: str, epoch: int) -> None:
        """Upload, retrying with backoff while the backend cannot take it (the session waits meanwhile)."""
        delay = self.settings.webhook_retry_base_s
        while not await self.upload(session_id, epoch):
            await asyncio.sleep(delay)
            delay = min(delay * 2, UPLOAD_RETRY_MAX_S)

    async def download(self, session_id: str, epoch: int) -> bool:
        """Fetch the session's stored state into its local cache; False when the backend holds none. Raises
        Fenced (not this worker's lease) or StateUnreadable; retries while the backend is unreachable, refuses
        this worker, or sends a state this worker will not use."""
        delay = self.settings.webhook_retry_base_s
        while True:
            try:
                state, body = await self._fetch(session_id, epoch)
                break
            except BadState as exc:
                log.error("AUTH STATE NOT USED, retrying", extra={"session_id": session_id, "detail": str(exc)})
            except _Again as exc:
                log.warning("auth state not fetched, retrying", extra={"session_id": session_id, "error": str(exc)})
            except _NoState:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, UPLOAD_RETRY_MAX_S)
        await asyncio.to_thread(write_atomically, self.host.session_dir(session_id) / STATE_FILE, state)
        self._stored[session_id] = hashlib.sha256(body).hexdigest()
        log.info("auth state fetched", extra={"session_id": session_id, "epoch": epoch, "bytes": len(body)})
        return True

    async def _fetch(self, session_id: str, epoch: int) -> tuple[bytes, bytes]:
        """One GET: the inflated state and its gzip'd body, checked; raises what the answer means."""
        path = self._path(session_id)
        asked_at = time.time()
        try:
            async with self.http.get(
                self.settings.backend_origin + path,
                headers=self._headers("GET", path, epoch),
                timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_s),
            ) as response:
                status, headers = response.status, response.headers
                limit = gunzip.MAX_STATE_BYTES if status == 200 else 64 * 1024
                body = await read_at_most(response.content, limit)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Again(repr(exc)) from None
        self._answered(status, body, headers, asked_at)
        if status == 404:
            raise _NoState
        if status >= 500 and b"state_unreadable" in body:
            raise StateUnreadable(body[:300].decode(errors="replace"))
        if status != 200:
            raise _Again(f"HTTP {status}")
        if len(body) > gunzip.MAX_STATE_BYTES:
            raise BadState(f"more than {gunzip.MAX_STATE_BYTES} bytes")
        named, digest = headers.get("x-auth-state-sha256", "").lower(), hashlib.sha256(body).hexdigest()
        if named != digest:
            raise BadState(f"its SHA-256 is {digest}, the backend named {named or 'none'}")
        try:
            state = await asyncio.to_thread(gunzip.gunzip, body, limit=gunzip.inflate_limit(len(body)))
        except gunzip.Refused as exc:
            raise BadState(str(exc)) from None
        return state, body

    def forget(self, session_id: str) -> None:
        self._stored.pop(session_id, None)


class _Again(Exception):
    """The fetch did not work this time (unreachable, 5xx, refused): try again later."""


class _NoState(Exception):
    """The backend holds no state for the session (404)."""
