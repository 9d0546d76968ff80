"""The sessions' auth states kept on the backend, so that any worker can open a session without a QR.

``PUT`` and ``GET`` ``<backend>/api/v1/whatsapp/sessions/<id>/auth-state``, signed like the worker API
(``shared.signing.sign_request``), with the session's lease epoch in ``x-lease-epoch`` (docs/contracts.md).
The worker's disk stays a cache: it uploads the gzip'd storage state before it reports a session ready and
whenever the periodic save finds it changed, and downloads it when told to run a session it does not hold.
Both layouts keep the same storage state (browser.py), so a session moves between workers of either layout.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
from urllib.parse import quote

import aiohttp

from session_worker.browser import STATE_FILE, BrowserHost, write_atomically
from session_worker.settings import Settings
from shared.signing import sign_request

log = logging.getLogger("session_worker.auth_store")

UPLOAD_RETRY_MAX_S = 10.0


class Fenced(Exception):
    """The backend says this worker's lease of the session is gone (409 stale_epoch): stop driving it."""


class StateUnreadable(Exception):
    """The backend holds the state but cannot decrypt it (a key not in SESSION_STATE_KEYS)."""


class AuthStore:
    def __init__(self, *, settings: Settings, http: aiohttp.ClientSession, host: BrowserHost) -> None:
        self.settings = settings
        self.http = http
        self.host = host
        self._stored: dict[str, str] = {}  # session id -> sha256 of the gzip'd state the backend holds

    def _path(self, session_id: str) -> str:
        return f"/api/v1/whatsapp/sessions/{quote(session_id)}/auth-state"

    def _headers(self, method: str, path: str, epoch: int, body: bytes = b"") -> dict[str, str]:
        return {**sign_request(self.settings.hmac_secrets, method, path, body), "x-lease-epoch": str(epoch)}

    async def upload(self, session_id: str, epoch: int) -> bool:
        """Store the session's state on the backend once; unchanged is a no-op. False: the backend could not take
        it now (unreachable, 5xx, 429), retry later. A final refusal (too large, unknown session...) is logged
        and True: the session runs on, it just cannot move without a QR. Raises Fenced when the lease is no
        longer this worker's."""
        state = self.host.session_dir(session_id) / STATE_FILE
        if not state.is_file():
            return True
        body = await asyncio.to_thread(lambda: gzip.compress(state.read_bytes(), mtime=0))
        digest = hashlib.sha256(body).hexdigest()
        if self._stored.get(session_id) == digest:
            return True
        path = self._path(session_id)
        headers = {**self._headers("PUT", path, epoch, body), "content-type": "application/gzip"}
        headers["x-session-layout"] = self.settings.layout.value
        try:
            async with self.http.put(
                self.settings.backend_origin + path,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_s),
            ) as response:
                text = (await response.text(errors="replace"))[:300]
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("auth state not stored", extra={"session_id": session_id, "error": f"{type(exc).__name__}"})
            return False
        if status == 409:
            raise Fenced(text)
        if status >= 500 or status in (408, 429):
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
        Fenced (not this worker's lease) or StateUnreadable; retries while the backend is unreachable."""
        path = self._path(session_id)
        delay = self.settings.webhook_retry_base_s
        while True:
            try:
                async with self.http.get(
                    self.settings.backend_origin + path,
                    headers=self._headers("GET", path, epoch),
                    timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_s),
                ) as response:
                    status, body = response.status, await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("auth state not fetched, retrying", extra={"session_id": session_id, "error": repr(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, UPLOAD_RETRY_MAX_S)
                continue
            if status == 404:
                return False
            if status == 409:
                raise Fenced(body[:300].decode(errors="replace"))
            if status == 200:
                break
            if status >= 500 and b"state_unreadable" in body:
                raise StateUnreadable(body[:300].decode(errors="replace"))
            log.warning("auth state not fetched, retrying", extra={"session_id": session_id, "status": status})
            await asyncio.sleep(delay)
            delay = min(delay * 2, UPLOAD_RETRY_MAX_S)
        state = await asyncio.to_thread(gzip.decompress, body)
        await asyncio.to_thread(write_atomically, self.host.session_dir(session_id) / STATE_FILE, state)
        self._stored[session_id] = hashlib.sha256(body).hexdigest()
        log.info("auth state fetched", extra={"session_id": session_id, "epoch": epoch, "bytes": len(body)})
        return True

    def forget(self, session_id: str) -> None:
        self._stored.pop(session_id, None)
