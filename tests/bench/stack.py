"""The stack the measures run on, and the clients they drive it with.

``BenchStack`` is tests/harness/livestack.py's stack (daphne, Celery with beat, one session worker, the simulator
with the instant profile, a fresh PostgreSQL database, Redis) plus what a measure needs: a user with an API
token, workspaces made on demand, the REST API, the workspace WebSocket (``Feed``), the phone, and the
worker's API, called with commands signed as the backend signs them for that worker (to see what it runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from simulator.testing import PhoneClient
from tests.harness.identities import command_headers
from tests.harness.livestack import LiveStack
from tests.harness.people import make_people

log = logging.getLogger("bench")

Message = dict[str, Any]

# QR codes live long enough that no QR rotates or expires in the middle of a measure (the timings that
# matter, page boot, pairing and sync, stay those of the instant profile).
SIMULATOR_ARGS = ["--first-qr-lifetime", "300", "--next-qr-lifetime", "60"]


@dataclass
class Feed:
    """One workspace's WebSocket, every message kept with its arrival time (``time.monotonic()``)."""

    workspace_id: int
    ws: aiohttp.ClientWebSocketResponse
    messages: list[tuple[float, Message]] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task | None = None
    _closing: bool = False

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read(), name=f"feed:{self.workspace_id}")

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                if raw.type is not aiohttp.WSMsgType.TEXT:
                    break
                self.messages.append((time.monotonic(), json.loads(raw.data)))
                self._arrived.set()
        finally:
            if not self._closing:
                log.warning("workspace %s: the WebSocket closed (code %s)", self.workspace_id, self.ws.close_code)
            self._arrived.set()  # wake the waiters, so that they fail now rather than at their timeout

    async def wait(self, predicate: Callable[[Message], bool], *, within: float = 30.0) -> tuple[float, Message]:
        """The first message (kept or still to come) matching ``predicate``, with its arrival time."""
        seen = 0
        async with asyncio.timeout(within):
            while True:
                for at, message in self.messages[seen:]:
                    if predicate(message):
                        return at, message
                seen = len(self.messages)
                if self._reader is not None and self._reader.done():
                    raise ConnectionError(f"the WebSocket of workspace {self.workspace_id} closed")
                self._arrived.clear()
                await self._arrived.wait()

    async def first_qr(self, account_id: int, *, within: float = 30.0) -> tuple[float, str]:
        at, message = await self.wait(
            lambda m: m.get("type") == "qr_code_generated" and m["account"]["id"] == account_id, within=within
        )
        return at, message["account"]["qr"]

    async def close(self) -> None:
        self._closing = True
        await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


class BenchStack:
    """The live stack and the clients the measures use; ``async with BenchStack(folder) as stack``."""

    def __init__(self, folder: Path) -> None:
        self.live = LiveStack(
            folder,
            simulator_args=SIMULATOR_ARGS,
            worker_env={"MAX_SESSIONS": "300"},
            backend_env={
                # The ingest measure sends thousands of events a minute as one worker; the measures call the API
                # as one user, as fast as they can: the limits are not what they measure.
                "WEBHOOK_WORKER_RATE": "100000000/minute",
                "API_THROTTLE_USER": "100000000/minute",
                "LOG_LEVEL": "INFO",
            },
        )
        self.token = ""
        self.http: aiohttp.ClientSession | None = None
        self.phone: PhoneClient | None = None
        self._feeds: list[Feed] = []

    async def __aenter__(self) -> BenchStack:
        started = time.monotonic()
        try:
            await asyncio.to_thread(self.live.start)
        except BaseException:
            await asyncio.to_thread(self.live.stop)
            raise
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self.phone = PhoneClient(self.live.simulator_url, self.http)
        log.info("stack up in %.1f s (logs in %s)", time.monotonic() - started, self.live.folder)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for feed in self._feeds:
            with contextlib.suppress(Exception):
                await feed.close()
        if self.http is not None:
            await self.http.close()
        await asyncio.to_thread(self.live.stop)

    # -- people ---------------------------------------------------------------------------------------------

    async def workspaces(self, count: int, *, prefix: str) -> list[int]:
        """``count`` new workspaces owned by the bench user (made with its API token on the first call)."""
        names = [f"{prefix} {i + 1}" for i in range(count)]
        bench = (await asyncio.to_thread(make_people, self.live, {"bench": names}))["bench"]
        self.token = bench.token
        return list(bench.workspace_ids)

    # -- the REST API ---------------------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    async def connect(self, workspace_id: int) -> Message:
        """ "Connect WhatsApp": the new account (status qr_scanning)."""
        assert self.http is not None
        url = f"{self.live.backend_url}/api/v1/workspaces/{workspace_id}/accounts"
        async with self.http.post(url, headers=self._auth()) as response:
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"connect answered {response.status}: {body}")
            return body

    async def accounts(self, workspace_id: int) -> list[Message]:
        assert self.http is not None
        url = f"{self.live.backend_url}/api/v1/workspaces/{workspace_id}/accounts"
        async with self.http.get(url, headers=self._auth()) as response:
            response.raise_for_status()
            return await response.json()

    async def delete(self, account_id: int) -> None:
        assert self.http is not None
        url = f"{self.live.backend_url}/api/v1/accounts/{account_id}"
        async with self.http.delete(url, headers=self._auth()) as response:
            if response.status not in (204, 404):
                raise RuntimeError(f"delete answered {response.status}")

    async def feed(self, workspace_id: int) -> Feed:
        """The workspace's WebSocket, open and admitted (its "hello" received)."""
        assert self.http is not None
        url = f"{self.live.backend_url.replace('http', 'ws', 1)}/ws/workspaces/{workspace_id}/"
        headers = {**self._auth(), "Origin": self.live.backend_url}
        ws = await self.http.ws_connect(url, headers=headers, heartbeat=None)
        feed = Feed(workspace_id, ws)
        feed.start()
        self._feeds.append(feed)
        await feed.wait(lambda m: m.get("type") == "hello", within=10)
        return feed

    # -- the stack's database (read only: where each step of a flow left its time) ---------------------------

    async def inbox_first(self, session_ids: list[str], type: str) -> dict[str, float]:
        """Wall-clock time (epoch seconds) at which the backend received each session's first ``type``."""
        query = (
            "SELECT session_id, min(received_at) FROM inbox_webhookevent "
            "WHERE session_id = ANY(%s) AND type = %s GROUP BY session_id"
        )
        async with await psycopg.AsyncConnection.connect(self.live.db_url, autocommit=True) as db:
            rows = await (await db.execute(query, (session_ids, type))).fetchall()
        return {session_id: at.timestamp() for session_id, at in rows}

    async def created_at(self, session_ids: list[str]) -> dict[str, float]:
        query = "SELECT session_id, created_at FROM accounts_whatsappaccount WHERE session_id = ANY(%s)"
        async with await psycopg.AsyncConnection.connect(self.live.db_url, autocommit=True) as db:
            rows = await (await db.execute(query, (session_ids,))).fetchall()
        return {session_id: at.timestamp() for session_id, at in rows}

    # -- the worker's signed API ----------------------------------------------------------------------------

    async def worker_views(self) -> dict[str, Message]:
        """``{session_id: view}`` of every session the worker knows (docs/contracts.md)."""
        assert self.http is not None
        worker_id = self.live.worker_id("worker")
        headers = command_headers(self.live.backend_key.private, worker_id, "GET", "/sessions")
        async with self.http.get(f"{self.live.worker_url}/sessions", headers=headers) as response:
            response.raise_for_status()
            return {s["session_id"]: s for s in (await response.json())["sessions"]}

    async def worker_sessions(self) -> dict[str, str]:
        """``{session_id: state}`` as the worker reports it."""
        return {session_id: view["state"] for session_id, view in (await self.worker_views()).items()}

    async def worker_health(self) -> Message:
        assert self.http is not None
        async with self.http.get(f"{self.live.worker_url}/health") as response:
            return await response.json()

    async def worker_metric(self, name: str) -> float:
        """One unlabelled sample of the worker's Prometheus metrics (0 when absent)."""
        assert self.http is not None
        async with self.http.get(f"{self.live.worker_url}/metrics") as response:
            text = await response.text()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0

    async def warm_pages_full(self, *, within: float = 60.0) -> bool:
        """Wait until the worker's warm page pool is full (every page showing a QR); False if it is not in time."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            pool = (await self.worker_health())["warm_pages"]
            if pool["ready"] >= pool["size"]:
                return True
            await asyncio.sleep(0.1)
        log.warning("the warm page pool was not full within %.0f s", within)
        return False

    async def cleanup(self, accounts: list[Message], *, within: float = 90.0) -> float:
        """Delete ``accounts`` through the API and wait until the worker no longer runs their sessions,
        so that the next measure starts on an idle worker. Seconds it took."""
        started = time.monotonic()
        gate = asyncio.Semaphore(8)

        async def delete(account_id: int) -> None:
            async with gate:
                await self.delete(account_id)

        await asyncio.gather(*(delete(a["id"]) for a in accounts))
        wanted = {a["session_id"] for a in accounts}
        ended = {"STOPPED", "DISCONNECTED", "FAILED"}
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            states = await self.worker_sessions()
            if all(states.get(session_id, "STOPPED") in ended for session_id in wanted):
                return time.monotonic() - started
            await asyncio.sleep(0.25)
        log.warning("cleanup: the worker still runs some of %d sessions after %.0f s", len(wanted), within)
        return time.monotonic() - started
