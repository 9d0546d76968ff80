"""Fixtures for the worker's tests: a signed webhook receiver, the simulator, and real workers.

``WebhookReceiver`` is the backend's side of the contract reduced to what a test needs: it verifies every
signature with ``shared.signing.verify`` (a bad one fails the test), parses the event, records it, and can
play a backend that is down (``receiver.fail_with = 503``). ``start_worker()`` runs the real worker app,
through its factory, on an ephemeral port, with the real Chromium, against the simulator.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from session_worker.app import create_app
from session_worker.keys import MANAGER
from session_worker.settings import Layout, Settings
from shared.events import Event, parse_event
from shared.signing import VerificationError, sign_request, verify
from simulator.testing import RunningSimulator, running_simulator

Predicate = Callable[[Event], bool]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class WebhookReceiver:
    """A signed-webhook endpoint that records every event it accepts, in arrival order."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.events: list[Event] = []  # accepted (2xx) deliveries, repeats included
        self.refused: list[Event] = []  # deliveries answered with ``fail_with``
        self.refused_at: list[float] = []  # loop time of each refusal
        self.bad_signatures: list[str] = []
        self.fail_with: int | None = None
        self.fail_when: Predicate | None = None  # answer fail_with only to matching events
        self.retry_after: str | None = None
        self.url = ""
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/v1/whatsapp/webhook", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/api/v1/whatsapp/webhook"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify([self.secret], request.headers, body)
        except VerificationError as exc:
            self.bad_signatures.append(str(exc))
            return web.json_response({"error": str(exc)}, status=401)
        event = parse_event(body)
        assert request.headers["webhook-id"] == event.id
        if self.fail_with is not None and (self.fail_when is None or self.fail_when(event)):
            self.refused.append(event)
            self.refused_at.append(asyncio.get_running_loop().time())
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.json_response({"error": "down"}, status=self.fail_with, headers=headers)
        self.events.append(event)
        self._arrived.set()
        return web.json_response({"ok": True})

    def of(self, session_id: str, *types: str) -> list[Event]:
        return [e for e in self.events if e.session_id == session_id and (not types or e.type in types)]

    async def wait_for(self, predicate: Predicate, *, within: float = 20.0, after: int = 0) -> Event:
        """The first accepted event (from index ``after`` on) that matches ``predicate``."""
        async with asyncio.timeout(within):
            while True:
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                self._arrived.clear()
                await self._arrived.wait()

    async def wait_for_type(self, session_id: str, type: str, *, within: float = 20.0, after: int = 0) -> Event:
        return await self.wait_for(lambda e: e.session_id == session_id and e.type == type, within=within, after=after)


@dataclasses.dataclass
class RunningWorker:
    url: str
    app: web.Application
    runner: web.AppRunner
    settings: Settings
    http: aiohttp.ClientSession

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """A signed API call; (status, decoded JSON or raw bytes)."""
        raw = b"" if body is None else json.dumps(body).encode()
        headers = sign_request(self.settings.hmac_secrets, method, path, raw)
        headers["content-type"] = "application/json"
        async with self.http.request(method, self.url + path, data=raw, headers=headers) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()

    async def start_session(self, session_id: str, workspace_id: str = "1") -> dict[str, Any]:
        status, view = await self.call("POST", "/sessions", {"session_id": session_id, "workspace_id": workspace_id})
        assert status in (200, 201), view
        return view

    @property
    def manager(self):
        return self.app[MANAGER]

    async def stop(self) -> None:
        """A graceful stop (what SIGTERM does): sessions keep their auth and are restored next time."""
        await self.runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver(new_secret())
    await hook.start()
    try:
        yield hook
    finally:
        assert not hook.bad_signatures, hook.bad_signatures
        await hook.close()


@pytest.fixture
def sim_overrides() -> dict[str, Any]:
    """Simulator settings for a test; a test module overrides this fixture to change timings."""
    return {}


@pytest.fixture
async def sim(sim_overrides: dict[str, Any]) -> AsyncIterator[RunningSimulator]:
    async with running_simulator(profile="instant", **sim_overrides) as simulator:
        yield simulator


def worker_settings(
    *, receiver: WebhookReceiver, sim_url: str, data_dir: Path, port: int = 0, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "backend_webhook_url": receiver.url,
        "hmac_secrets": [receiver.secret],
        "wa_web_url": sim_url + "/",
        "chromium_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "session_data_dir": data_dir,
        "worker_id": "worker-test",
        "port": port,
        "layout": Layout.SHARED,
        "page_timeout_s": 20.0,
        "heartbeat_interval_s": 30.0,
        "webhook_retry_base_s": 0.05,
        "webhook_retry_max_s": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def start_worker(
    receiver: WebhookReceiver, sim: RunningSimulator, tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """``await start_worker(**settings_overrides)``: a worker app serving on an ephemeral port."""
    started: list[RunningWorker] = []
    http = aiohttp.ClientSession()

    async def start(**overrides: Any) -> RunningWorker:
        sock = free_socket()
        port = sock.getsockname()[1]
        overrides.setdefault("data_dir", tmp_path / "worker")
        settings = worker_settings(receiver=receiver, sim_url=sim.url, port=port, **overrides)
        app = create_app(settings)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        worker = RunningWorker(url=f"http://127.0.0.1:{port}", app=app, runner=runner, settings=settings, http=http)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            with contextlib.suppress(Exception):
                await worker.runner.cleanup()
        await http.close()


async def wait_until(check: Callable[[], Any], *, within: float = 10.0, pause: float = 0.05) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy."""
    async with asyncio.timeout(within):
        while True:
            value = check()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(pause)


async def link(worker: RunningWorker, sim: RunningSimulator, receiver: WebhookReceiver, session_id: str,
               phone_number: str) -> dict[str, Any]:  # fmt: skip
    """Start ``session_id`` and scan its first QR as ``phone_number``; the device once the session is ready."""
    await worker.start_session(session_id)
    qr_event = await receiver.wait_for_type(session_id, "qr_code_generated")
    device = await sim.scan(qr_event.data["qr"], phone_number=phone_number, pushname="Ana", platform="android")
    await receiver.wait_for_type(session_id, "session_ready")
    return device


def session_id() -> str:
    return "wa_" + secrets.token_hex(16)
