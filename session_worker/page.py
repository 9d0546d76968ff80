"""One session's browser context and WhatsApp Web page, as Playwright drives them.

:meth:`SessionPage.open` opens the context with the session's kept auth, registers the binding and the init
script of :mod:`session_worker.whatsapp_web` and the lease's deadline guard of :mod:`session_worker.page_deadline`
(on the context, so that they survive the page's own reloads), loads the page and gives it its lease's deadline
(again at every renewal: :meth:`SessionPage.follow_lease`). From then on the page's reports queue up, in order,
for :meth:`SessionPage.next_report`, and so do a crash of the page (``crash``) and a closed context (``closed``).
Each page has its own queue: what a page that was left still reports is dropped with it. What a report means is
:mod:`session_worker.session`'s business; what the page is, :mod:`session_worker.whatsapp_web`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from playwright.async_api import BrowserContext, Page, Response, Route
from playwright.async_api import Error as PlaywrightError

from session_worker import page_deadline
from session_worker import whatsapp_web as wa
from session_worker.browser import BrowserHost
from session_worker.settings import Settings
from shared.proxy import SessionProxy

log = logging.getLogger("session_worker.sessions")

CLOSE_TIMEOUT_S = 10
DEADLINE_RETRY_S = 0.5  # a lease deadline the page could not take (between two documents) is pushed again


class SessionPage:
    def __init__(
        self, *, session_id: str | None, host: BrowserHost, settings: Settings, proxy: SessionProxy | None = None
    ) -> None:
        self.session_id = session_id  # None while the page waits in the warm page pool (a fresh context)
        self.proxy = proxy  # what its context connects through (None: directly)
        self.host = host
        self.settings = settings
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.watcher: Callable[[str, Any], None] | None = None  # the warm page pool's, while the page is there
        # When the session's lease ends unless renewed (the worker's deadline, monotonic); None: no lease (a warm
        # page, a session started without one), the page is not guarded.
        self.lease_until: Callable[[], float | None] = lambda: None
        self._reports: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._pushing: asyncio.Task | None = None
        self._push_again = False
        self.document: bytes = b""  # the main document last loaded (session_worker/builds.py keeps it)
        self._clean_build: str | None = None  # the build it booted clean on, until its document is kept

    def report(self, kind: str, data: Any = None) -> None:
        """Queue a report: the page's own, or the worker's about the page (crash, closed, connection_check). A
        clean boot keeps the document it booted from as its build's (session_worker/builds.py)."""
        if kind == "boot":
            boot = wa.parse_boot(data)
            self._clean_build = boot.build if not boot.changes and boot.build != "unknown" else None
            if self._clean_build is not None:
                self.host.builds.booted_clean()
            self._keep_build()
        self._reports.put_nowait((kind, data))
        if self.watcher is not None:
            self.watcher(kind, data)

    async def next_report(self, *, deadline: float | None, waiting_for: str) -> tuple[str, Any]:
        """The oldest report; TimeoutError naming ``waiting_for`` when none comes by ``deadline`` (monotonic)."""
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            return await asyncio.wait_for(self._reports.get(), remaining)
        except TimeoutError:
            raise TimeoutError(f"gave up waiting for {waiting_for}") from None

    @property
    def is_open(self) -> bool:
        return self.page is not None and not self.page.is_closed()

    async def open(self) -> None:
        context = await self.host.open_context(self.session_id, self.proxy)
        self.context = context
        await context.expose_binding(wa.BINDING, lambda _source, kind, data=None: self.report(kind, data))
        await context.add_init_script(script=wa.INIT_SCRIPT)
        await context.add_init_script(script=page_deadline.INIT_SCRIPT)
        context.on("close", lambda _context: self.report("closed"))
        url = self.settings.wa_web_url
        await context.route(lambda target: target == url, self._load_document)
        page = context.pages[0] if context.pages else await context.new_page()
        page.on("crash", lambda _page: self.report("crash"))
        page.on("response", self._on_response)
        self.page = page
        self.host.metrics.page_loads.labels(purpose="session" if self.session_id else "warm").inc()
        await page.goto(self.settings.wa_web_url, wait_until="domcontentloaded")
        await self._push_deadline()

    async def _load_document(self, route: Route) -> None:
        """WA_WEB_URL's document: the pinned build's when pinned and kept, else the live one, loaded as the browser
        loads it (through the context's proxy, if any: never around it)."""
        pinned = self.host.builds.pinned() if route.request.resource_type == "document" else None
        try:
            if pinned is None:
                await route.continue_()
                return
            log.info("page opening on pinned build", extra={"session_id": self.session_id, "build": pinned[0]})
            # A document the worker serves itself counts as public to Chromium, whose Local Network Access checks
            # would then refuse its sockets to a WhatsApp on a private or loopback address (the simulator): this
            # context, and it alone, may reach them.
            await route.request.frame.page.context.grant_permissions(["local-network-access"])
            headers = {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}
            await route.fulfill(status=200, headers=headers, body=pinned[1])
        except PlaywrightError:
            pass  # the page is closing

    async def _on_response(self, response: Response) -> None:
        """Keep the main document loaded, for its build's cache once the page boots clean on it."""
        if response.url != self.settings.wa_web_url or not response.request.is_navigation_request():
            return
        self.document = b""
        with contextlib.suppress(PlaywrightError):
            self.document = await response.body() if response.ok else b""
        self._keep_build()

    def _keep_build(self) -> None:
        if self.document and self._clean_build is not None:
            self.host.builds.keep(self._clean_build, self.document)
            self._clean_build = None

    def follow_lease(self) -> None:
        """Give the page its lease's current deadline (in the background, one push at a time, the latest last)."""
        if self._pushing is not None and not self._pushing.done():
            self._push_again = True
        elif self.page is not None:
            self._pushing = asyncio.create_task(self._push_deadline(), name=f"deadline:{self.session_id}")

    async def _push_deadline(self) -> None:
        """Push until the page has the latest deadline; a page between two documents is tried again shortly (its
        sessionStorage still holds the previous deadline meanwhile), until that deadline has passed."""
        while True:
            self._push_again = False
            until, page = self.lease_until(), self.page
            if until is None or page is None or time.monotonic() >= until:
                return
            deadline_ms = page_deadline.page_deadline_ms(until, margin_s=self.settings.lease_safety_margin_s)
            try:
                pushed = await asyncio.wait_for(page_deadline.push(page, deadline_ms), self.settings.page_timeout_s)
            except (PlaywrightError, TimeoutError):
                pushed = False
            if pushed and not self._push_again:
                return
            if not pushed:
                await asyncio.sleep(DEADLINE_RETRY_S)

    async def read_me(self) -> wa.Me | None:
        """The phone number, read as soon as the page has synced; retried briefly while it is not there yet."""
        assert self.page is not None
        deadline = time.monotonic() + self.settings.phone_read_timeout_s
        pause = 0.02
        while True:
            with contextlib.suppress(PlaywrightError):
                me = wa.parse_me(await self.page.evaluate(wa.ME_PROBE))
                if me is not None:
                    return me
            if time.monotonic() + pause > deadline:
                return None
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    async def log_out(self) -> None:
        """Log the device out on WhatsApp; raises PlaywrightError or TimeoutError when the page cannot."""
        assert self.page is not None
        await asyncio.wait_for(self.page.evaluate(wa.LOGOUT_SCRIPT), self.settings.page_timeout_s)

    async def pairing_code(self, phone_number: str) -> str:
        """An 8-character code for ``phone_number``; raises PlaywrightError (refused) or TimeoutError."""
        assert self.page is not None
        code = await asyncio.wait_for(
            self.page.evaluate(wa.PAIRING_CODE_SCRIPT, phone_number), self.settings.page_timeout_s
        )
        return str(code)

    async def screenshot(self) -> bytes:
        assert self.page is not None
        return await self.page.screenshot(type="png", timeout=self.settings.page_timeout_s * 1000)

    async def save_auth(self) -> None:
        """Keep the context's auth on disk (fsynced); raises when the browser cannot give it."""
        assert self.context is not None and self.session_id is not None
        await self.host.save_auth(self.session_id, self.context)

    async def close(self) -> None:
        """Close the context (and its page); whatever it still reports is the caller's to ignore."""
        context, self.context, self.page = self.context, None, None
        if self._pushing is not None:
            self._pushing.cancel()
        if context is not None:
            with contextlib.suppress(PlaywrightError, TimeoutError):
                await asyncio.wait_for(context.close(), CLOSE_TIMEOUT_S)
