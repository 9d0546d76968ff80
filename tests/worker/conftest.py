"""Fixtures for the worker's tests: a fake backend (tests/harness/receiver.py: it authenticates every request of
a worker by its key, and a refusal fails the test unless the test clears ``bad_signatures``; it answers
heartbeats with leases, as the backend), the simulator, and real workers. ``start_worker()`` runs the real worker
app, through its factory, on an ephemeral port, with the real Chromium, against the simulator; each worker id has
its own key pair (``worker_keys``), registered with the receiver, and holds the receiver's command key, with which
the tests sign their commands (``RunningWorker.call``).
"""

from __future__ import annotations

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
from shared import identity
from simulator.testing import RunningSimulator, running_simulator
from tests.harness.receiver import WebhookReceiver


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclasses.dataclass
class RunningWorker:
    url: str
    app: web.Application
    runner: web.AppRunner
    settings: Settings
    http: aiohttp.ClientSession
    receiver: WebhookReceiver

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """A signed API call; (status, decoded JSON or raw bytes)."""
        raw = b"" if body is None else json.dumps(body).encode()
        headers = command_headers(self.receiver, self.settings.worker_id, method, path, raw)
        async with self.http.request(method, self.url + path, data=raw, headers=headers) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()

    async def start_session(self, session_id: str, workspace_id: str = "1", **lease: Any) -> dict[str, Any]:
        """As the backend starts a session: its lease granted to this worker in the receiver (listed in the
        heartbeats' answers from now on), then the start command. ``lease``: ``epoch``, ``restore``,
        ``lease_expires_in_ms``, ``proxy`` as the backend sends them."""
        self.receiver.grant(
            session_id,
            worker_id=self.settings.worker_id,
            epoch=lease.get("epoch", 0),
            workspace_id=workspace_id,
            restore=lease.get("restore", False),
            proxy=lease.get("proxy"),
        )
        payload = {"session_id": session_id, "workspace_id": workspace_id, **lease}
        status, view = await self.call("POST", "/sessions", payload)
        assert status in (200, 201), view
        return view

    @property
    def manager(self):
        return self.app[MANAGER]

    async def stop(self) -> None:
        """A planned stop (what SIGTERM does): nothing reported, sessions keep their auth, and run again from their
        leases (the receiver's answer to the next worker's first heartbeat)."""
        self.manager.begin_stop()
        await self.runner.cleanup()


def command_headers(receiver: WebhookReceiver, worker_id: str, method: str, path: str, raw: bytes) -> dict[str, str]:
    """A command as the backend signs it for ``worker_id``, with the backend's key."""
    headers = identity.sign_command(receiver.backend.private, worker_id, method, path, raw)
    return {**headers, "content-type": "application/json"}


_KEYS: dict[str, identity.KeyPair] = {}


def worker_keys(worker_id: str) -> identity.KeyPair:
    """The key pair of the worker named ``worker_id`` (the same across its restarts, as in production)."""
    return _KEYS.setdefault(worker_id, identity.new_key_pair())


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as hook:
        yield hook
        assert not hook.bad_signatures, hook.bad_signatures


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
    worker_id = overrides.get("worker_id", "worker-test")
    keys = worker_keys(worker_id)
    receiver.register(worker_id, keys.public)
    values: dict[str, Any] = {
        "backend_webhook_url": receiver.url,
        "signing_keys": [keys.private],
        "backend_public_keys": [receiver.backend.public],
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
        worker = RunningWorker(
            url=f"http://127.0.0.1:{port}", app=app, runner=runner, settings=settings, http=http, receiver=receiver
        )
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            with contextlib.suppress(Exception):
                await worker.runner.cleanup()
        await http.close()


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
