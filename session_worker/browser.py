"""The browser side: Playwright, Chromium, and where each session keeps its auth.

Two layouts (SESSION_LAYOUT):

- ``shared`` (default): one Chromium, a context per session. Once a session is ready the worker saves the
  context's storage (cookies, localStorage and IndexedDB) itself, written to a temporary file, fsynced and
  renamed, and restores it into the next context. Nothing depends on Chromium flushing its own files, so a
  ``kill -9`` of the whole process group keeps every session that had reached READY.
- ``profile``: a persistent Chromium profile directory per session (whatsapp-web.js's LocalAuth); each
  session is its own browser process and its auth is whatever Chromium has flushed to disk. Once ready, the
  worker also saves the context's storage as the shared layout does: that copy is what moves to another worker
  (auth_store.py), and a profile opened without its own linked profile (the session came from elsewhere) is
  seeded from it before the page loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright

from session_worker.builds import Builds
from session_worker.files import write_atomically
from session_worker.metrics import Metrics
from session_worker.settings import Layout, Settings
from shared.proxy import SessionProxy

log = logging.getLogger("session_worker.browser")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# The worker closes Chromium itself on SIGTERM/SIGINT, after saving what it must; Playwright's driver must not
# race it (supervisord's stopasgroup sends the signal to the driver too).
NO_SIGNAL_HANDLING = {"handle_sigint": False, "handle_sigterm": False, "handle_sighup": False}
STATE_FILE = "storage_state.json"
PROFILE_DIR = "profile"
LINKED_MARKER = "linked"


class BrowserHost:
    def __init__(self, *, settings: Settings, metrics: Metrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.root = settings.session_data_dir / "sessions"
        self.builds = Builds(settings.session_data_dir / "builds")  # the known-good pages, and the pin
        self.launches = asyncio.Semaphore(settings.max_concurrent_launches)
        # Contexts opened from kept auth (a restore, a session moved here) show no QR: they have a bound of their
        # own, so that they never queue behind new sessions racing for their first QR (nor these behind them).
        self.restores = asyncio.Semaphore(settings.max_concurrent_restores)
        self.launching = 0  # contexts being opened or waiting for their turn (the warm page pool yields to them)
        self.on_browser_lost: Callable[[], None] = lambda: None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._browser_lock = asyncio.Lock()
        self._closing = False
        self._relaunch: asyncio.Task | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._playwright = await async_playwright().start()
        if self.settings.layout is Layout.SHARED:
            await self._ensure_browser()
        else:
            self.metrics.browser_up.set(1)

    def begin_stop(self) -> None:
        """A planned stop: the browser going away from now on is no crash (not relaunched, not reported)."""
        self._closing = True

    async def close(self) -> None:
        self._closing = True
        if self._relaunch is not None:
            self._relaunch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._relaunch
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                await self._playwright.stop()
        self.metrics.browser_up.set(0)

    @property
    def ready(self) -> bool:
        if self._playwright is None or self._closing:
            return False
        if self.settings.layout is Layout.SHARED:
            return self._browser is not None and self._browser.is_connected()
        return True

    @property
    def browser(self) -> Browser | None:
        return self._browser

    async def _ensure_browser(self) -> Browser:
        async with self._browser_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            assert self._playwright is not None
            browser = await self._playwright.chromium.launch(
                executable_path=self.settings.chromium_path,
                args=CHROMIUM_ARGS,
                headless=self.settings.headless,
                **NO_SIGNAL_HANDLING,
            )
            browser.on("disconnected", self._on_disconnected)
            self._browser = browser
            self.metrics.browser_up.set(1)
            log.info("browser launched", extra={"version": browser.version, "layout": self.settings.layout.value})
            return browser

    def _on_disconnected(self, browser: Browser) -> None:
        if browser is not self._browser or self._closing:
            return
        self.metrics.browser_up.set(0)
        log.error("browser disconnected", extra={"layout": self.settings.layout.value})
        self._relaunch = asyncio.get_running_loop().create_task(self._relaunch_soon())
        self.on_browser_lost()

    async def _relaunch_soon(self) -> None:
        """Bring the browser back at once, so that /health is ready again without waiting for a session."""
        pause = 0.5
        while not self._closing and not self.ready:
            try:
                await self._ensure_browser()
            except Exception as exc:
                log.error("browser relaunch failed", extra={"error": f"{type(exc).__name__}: {exc}"})
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30)

    # -- sessions -------------------------------------------------------------------------------------------

    def session_dir(self, session_id: str) -> Path:
        return self.root / session_id

    def has_auth(self, session_id: str) -> bool:
        directory = self.session_dir(session_id)
        if (directory / STATE_FILE).is_file():
            return True
        return self.settings.layout is Layout.PROFILE and self._has_linked_profile(session_id)

    def _has_linked_profile(self, session_id: str) -> bool:
        directory = self.session_dir(session_id)
        return (directory / LINKED_MARKER).is_file() and (directory / PROFILE_DIR).is_dir()

    async def open_context(self, session_id: str | None, proxy: SessionProxy | None = None) -> BrowserContext:
        """A fresh context for ``session_id`` holding its kept auth, if any (None: an empty context, for the warm
        page pool; shared layout only), connecting through ``proxy`` when given (Playwright's per-context proxy:
        every request of the context, loopback included, never around it). Bounded by MAX_CONCURRENT_RESTORES when
        it holds kept auth, otherwise by MAX_CONCURRENT_LAUNCHES."""
        timeout_ms = self.settings.page_timeout_s * 1000
        self.launching += 1
        try:
            context = await self._launch(session_id, timeout_ms, proxy)
        finally:
            self.launching -= 1
        context.set_default_timeout(timeout_ms)
        context.set_default_navigation_timeout(timeout_ms)
        return context

    async def _launch(self, session_id: str | None, timeout_ms: float, proxy: SessionProxy | None) -> BrowserContext:
        restoring = session_id is not None and self.has_auth(session_id)
        via = None if proxy is None else proxy.for_playwright()
        async with self.restores if restoring else self.launches:
            if self.settings.layout is Layout.SHARED:
                browser = await self._ensure_browser()
                state = None if session_id is None else self.session_dir(session_id) / STATE_FILE
                return await browser.new_context(proxy=via, storage_state=state if state and state.is_file() else None)
            assert self._playwright is not None
            assert session_id is not None, "the profile layout has no warm pages"
            profile = self.session_dir(session_id) / PROFILE_DIR
            state = self.session_dir(session_id) / STATE_FILE
            seed = state.is_file() and not self._has_linked_profile(session_id)  # it came from another worker
            if seed:
                await asyncio.to_thread(shutil.rmtree, profile, True)  # a profile left half-made, never linked
            profile.mkdir(parents=True, exist_ok=True)
            context = await self._playwright.chromium.launch_persistent_context(
                profile,
                executable_path=self.settings.chromium_path,
                args=CHROMIUM_ARGS,
                headless=self.settings.headless,
                timeout=timeout_ms,
                proxy=via,
                **NO_SIGNAL_HANDLING,
            )
            if seed:
                await context.set_storage_state(state)
                log.info("profile seeded from the stored auth state", extra={"session_id": session_id})
            return context

    async def save_auth(self, session_id: str, context: BrowserContext) -> None:
        """Keep the session's auth on disk, flushed, before anyone is told it is ready: its storage state (what
        opens it in a new context, here or on another worker), and in the profile layout the mark that its own
        profile is linked."""
        state = await context.storage_state(indexed_db=True)
        data = json.dumps(state).encode()
        await asyncio.to_thread(write_atomically, self.session_dir(session_id) / STATE_FILE, data)
        if self.settings.layout is Layout.PROFILE:
            marker = self.session_dir(session_id) / LINKED_MARKER
            await asyncio.to_thread(write_atomically, marker, b"1\n")

    def sessions_on_disk(self) -> list[str]:
        """The sessions whose auth (or what is left of it) this worker's disk holds."""
        return sorted(path.name for path in self.root.iterdir() if path.is_dir()) if self.root.is_dir() else []

    async def wipe_auth(self, session_id: str) -> None:
        directory = self.session_dir(session_id)
        await asyncio.to_thread(shutil.rmtree, directory, True)
