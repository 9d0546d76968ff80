"""Fixtures for the simulator's tests: a simulator in-process, Chromium, and a recorder of what a page does.

The recorder is installed in every document of a browser context (``add_init_script``), waits for the page
to boot, attaches listeners as a client would, and reports each event to Python through an exposed function,
so the history survives the page's own navigations (the reload after pairing, ``/?post_logout=1``).

The async tests of this package share one event loop and one Chromium (launched once); each test gets fresh
browser contexts, closed after it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from simulator.testing import CHROMIUM_ARGS, RunningSimulator, chromium_path, running_simulator

PACKAGE = Path(__file__).parent

RECORDER_JS = """
(() => {
  const attach = () => {
    if (!window.Debug || !window.Debug.VERSION) return setTimeout(attach, 5);
    const record = (kind, data) => window.recordSimulatorEvent(kind, { ...data, at: Date.now() / 1000 });
    const Socket = window.require("WAWebSocketModel").Socket;
    const Conn = window.require("WAWebConnModel").Conn;
    const Cmd = (() => {  // WAWebCmd, renamed WAWebCommandBus in a changed build (simulator/builds.py)
      try { return window.require("WAWebCmd").Cmd; } catch (e) { return window.require("WAWebCommandBus").Cmd; }
    })();
    const Me = window.require("WAWebUserPrefsMeUser");
    const offline = window.require("WAWebOfflineHandler").OfflineMessageHandler;
    const who = () => ({
      pn: (Me.getMaybeMePnUser() || {})._serialized || null,
      lid: (Me.getMaybeMeLidUser() || {})._serialized || null,
    });
    record("boot", { url: location.pathname + location.search, state: Socket.state });
    Socket.on("change:state", (model, value) => record("state", { value, model: model === Socket, ...who() }));
    Socket.on("change:hasSynced", (model, value) => record("hasSynced", { value, ...who() }));
    Conn.on("change:ref", (model, value) => record("ref", { value }));
    Cmd.on("offline_progress_update_from_bridge", () =>
      record("progress", { value: offline.getOfflineDeliveryProgress(), ...who() }));
    Cmd.on("logout_from_bridge", () => record("logout_from_bridge", {}));
    Cmd.on("logout", () => record("logout", {}));
  };
  attach();
})();
"""


@dataclasses.dataclass
class Recorded:
    kind: str
    data: dict[str, Any]


class PageRecorder:
    """Events a page reported, in order, across its navigations."""

    def __init__(self) -> None:
        self.events: list[Recorded] = []
        self._changed = asyncio.Condition()

    async def on_event(self, kind: str, data: dict[str, Any]) -> None:
        async with self._changed:
            self.events.append(Recorded(kind, data))
            self._changed.notify_all()

    def values(self, kind: str) -> list[Any]:
        return [e.data.get("value") for e in self.events if e.kind == kind]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    async def wait_for(self, kind: str, value: Any = None, *, within: float = 10.0) -> Recorded:
        """The first event of ``kind`` (with ``value`` if given), waiting for it if needed. A ``state`` is also
        found in a ``boot`` that saw it: the recorder hooks in by polling, as clients do, and on a busy machine
        can attach after the page reached the state (a navigation's ``UNPAIRED``, say)."""

        def found() -> Recorded | None:
            for event in self.events:
                if event.kind == kind and (value is None or event.data.get("value") == value):
                    return event
                if kind == "state" and value is not None and event.kind == "boot" and event.data["state"] == value:
                    return event
            return None

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: found() is not None)
        event = found()
        assert event is not None
        return event

    def clear(self) -> None:
        self.events.clear()


@dataclasses.dataclass
class Tab:
    context: BrowserContext
    page: Page
    recorder: PageRecorder

    async def socket_state(self) -> str:
        return await self.page.evaluate("window.require('WAWebSocketModel').Socket.state")

    async def page_id(self) -> str:
        await self.page.wait_for_function("window.__simulator && window.__simulator.page.id")
        return await self.page.evaluate("window.__simulator.page.id")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(PACKAGE) and inspect.iscoroutinefunction(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.asyncio(loop_scope="package"), append=False)


@pytest_asyncio.fixture(loop_scope="package")
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator("instant") as simulator:
        yield simulator


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="package")
async def browser(chromium: Browser) -> AsyncIterator[Browser]:
    """The shared Chromium; the contexts a test opens are closed after it."""
    yield chromium
    for context in list(chromium.contexts):
        await context.close()


async def open_tab(browser: Browser, url: str, *, storage_state: Any = None, record: bool = True) -> Tab:
    """A fresh browser context (its own profile) with the recorder, showing ``url``."""
    context = await browser.new_context(storage_state=storage_state)
    recorder = PageRecorder()
    if record:
        await context.expose_function("recordSimulatorEvent", recorder.on_event)
        await context.add_init_script(RECORDER_JS)
    page = await context.new_page()
    await page.goto(url)
    return Tab(context=context, page=page, recorder=recorder)


async def link(tab: Tab, sim: RunningSimulator, *, phone_number: str = "5511999990000", **phone: str) -> str:
    """Scan the tab's QR and wait until it has synced (CONNECTED, then hasSynced); the device id."""
    page_id = await tab.page_id()
    qr = (await sim.wait_for_qrs(page_id=page_id))[0]["qr"]
    device = await sim.scan(qr, phone_number=phone_number, **phone)
    await tab.recorder.wait_for("hasSynced", True)
    return device["device_id"]
