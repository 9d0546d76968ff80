"""Helpers for tests (the simulator's and the worker's): start a simulator on a free port, talk as the phone.

    async with running_simulator(profile="instant", first_qr_lifetime=1.0) as sim:
        page.goto(sim.url)
        qr = (await sim.wait_for_qrs())[0]
        device = await sim.scan(qr["qr"], phone_number="5511999990000")

``PhoneClient(base_url)`` is the same phone against a simulator started elsewhere (``python -m simulator``).
Failed calls raise ``PhoneError`` with the HTTP status and the simulator's message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Collection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from simulator.app import create_app
from simulator.config import SimulatorConfig, make_config

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


class PhoneError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class PhoneClient:
    """The phone's side of the simulator (its JSON API at ``/phone/api``)."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession | None = None) -> None:
        self.url = base_url.rstrip("/")
        self._http = http
        self._owns_http = http is None

    async def __aenter__(self) -> PhoneClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.close()
            self._http = None

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with self._http.request(method, self.url + path, json=body) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                raise PhoneError(response.status, (data or {}).get("error", "no message"))
            return data

    async def qrs(self) -> list[dict[str, Any]]:
        """The QR codes on screen now: ``[{"page_id", "ref", "qr", "qr_count", "expires_at"}]``."""
        return (await self._call("GET", "/phone/api/qrs"))["qrs"]

    async def wait_for_qrs(
        self, *, count: int = 1, page_id: str | None = None, exclude: Collection[str] = (), within: float = 15.0
    ) -> list[dict[str, Any]]:
        """Poll until ``count`` QR codes (of ``page_id`` if given, not in ``exclude``) are on screen."""
        async with asyncio.timeout(within):
            while True:
                qrs = [q for q in await self.qrs() if page_id in (None, q["page_id"]) and q["qr"] not in exclude]
                if len(qrs) >= count:
                    return qrs
                await asyncio.sleep(0.05)

    async def scan(
        self, qr: str, *, phone_number: str, pushname: str = "Simulated phone", platform: str = "android"
    ) -> dict[str, Any]:
        """Scan a QR string as the phone ``phone_number``: ``{"device_id", "phone_number"}``."""
        body = {"qr": qr, "phone_number": phone_number, "pushname": pushname, "platform": platform}
        return await self._call("POST", "/phone/api/scan", body)

    async def link_with_code(
        self, code: str, *, phone_number: str, pushname: str = "Simulated phone", platform: str = "android"
    ) -> dict[str, Any]:
        body = {"code": code, "phone_number": phone_number, "pushname": pushname, "platform": platform}
        return await self._call("POST", "/phone/api/link-with-code", body)

    async def stats(self) -> dict[str, Any]:
        """``{"double_connections": n, "qrs_shown": n, ...}`` (simulator/hub.py ``Hub.stats``)."""
        return await self._call("GET", "/phone/api/stats")

    async def build(self) -> dict[str, Any]:
        """The WhatsApp Web build served now and the catalogue: ``{"build", "builds": [{"build", "description"}]}``."""
        return await self._call("GET", "/phone/api/build")

    async def set_build(self, build: str) -> dict[str, Any]:
        """Serve ``build`` from now on (every connected page reloads onto it); the same shape as ``build()``.
        An unknown build raises ``PhoneError(400, ...)``."""
        return await self._call("POST", "/phone/api/build", {"build": build})

    async def devices(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "/phone/api/devices"))["devices"]

    async def device(self, device_id: str) -> dict[str, Any]:
        for device in await self.devices():
            if device["device_id"] == device_id:
                return device
        raise PhoneError(404, f"unknown device {device_id!r}")

    async def logout(self, device_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/phone/api/devices/{device_id}/logout")

    async def conflict(self, device_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/phone/api/devices/{device_id}/conflict")

    async def drop(self, device_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/phone/api/devices/{device_id}/drop")

    async def restore(self, device_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/phone/api/devices/{device_id}/restore")


class RunningSimulator(PhoneClient):
    """A simulator serving on loopback, with the phone's client; ``url`` is the page's address."""

    def __init__(self, *, url: str, config: SimulatorConfig, app: web.Application) -> None:
        super().__init__(url)
        self.config = config
        self.app = app


@contextlib.asynccontextmanager
async def running_simulator(
    profile: str = "instant",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    version: str | None = None,
    **overrides: Any,
) -> AsyncIterator[RunningSimulator]:
    """A simulator in this process on a free port (or ``port``), stopped on exit.

    ``version`` is the WhatsApp Web build served at start (simulator/builds.py; today's if None; an unknown one
    raises ValueError); ``set_build`` switches it later. ``overrides`` are SimulatorConfig fields (timings,
    ``data_dir``...). Without ``data_dir`` the linked
    devices live in a temporary directory removed on exit; pass one to keep them across restarts.
    """
    with contextlib.ExitStack() as stack:
        if overrides.get("data_dir") is None:
            overrides["data_dir"] = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="simulator-")))
        if version is not None:
            overrides["version"] = version
        config = make_config(profile=profile, **overrides)
        app = create_app(config)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound = runner.addresses[0][1]
            simulator = RunningSimulator(url=f"http://{host}:{bound}", config=config, app=app)
            try:
                yield simulator
            finally:
                await simulator.close()
        finally:
            await runner.cleanup()
