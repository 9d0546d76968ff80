"""The simulator's live state: the pages connected over ``/ws``, the QR codes and pairing codes they show,
and which page is connected as which linked device. The phone acts on it through simulator/phone.py.

One ``Hub`` per app. Each page (a browser tab showing ``/``) holds one WebSocket; it says ``hello`` with its
``page_id`` (kept in the tab's sessionStorage across reloads) and the credentials it stored after pairing,
if any. Unlinked pages get a QR rotation; linked ones are restored. Everything runs on the event loop, so
the hub needs no locks: each method runs to its first ``await`` without interleaving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Any

from aiohttp import WSCloseCode, web

from simulator import codes
from simulator.builds import BUILDS, Build, build_checked
from simulator.config import SimulatorConfig, draw
from simulator.errors import AlreadyUsed, BadInput, PhoneError
from simulator.pages import Page, PairingCode, QrCode, QrStatus, me, send
from simulator.registry import Device, Registry

log = logging.getLogger(__name__)

FORGET_AFTER = 600.0  # seconds after expiry that a QR or pairing code is still told apart from an unknown one


class Hub:
    def __init__(self, *, config: SimulatorConfig, registry: Registry) -> None:
        self.config = config
        self.registry = registry
        self.pages: dict[str, Page] = {}
        self.qrs: dict[str, QrCode] = {}  # every QR string shown since start, to tell expired from unknown
        self.pairing_codes: dict[str, PairingCode] = {}
        self.connections: dict[str, Page] = {}  # device_id -> the page connected as that device
        self.dropped: set[str] = set()  # devices whose connection the phone cut, until restored
        # Each time a device connected on a page while another page was still connected as it: one login
        # driven by two pages at once (the real service answers with a conflict). Tests assert it stays 0.
        self.double_connections: dict[str, int] = {}
        # Every address a device's pages connected from (a proxy's, when the browser used one): tests prove with it
        # that a session's traffic went through its own proxy and never direct.
        self.device_peers: dict[str, set[str]] = {}
        self.build: str = config.version  # the WhatsApp Web build served now (simulator/builds.py)
        self.qrs_shown = 0  # QR codes (refs) shown since start, every rotation's: tests assert it stays flat

    def _count_double(self, device_id: str) -> None:
        self.double_connections[device_id] = self.double_connections.get(device_id, 0) + 1
        log.warning("device %s: connected on two pages at once", device_id)

    def stats(self) -> dict[str, Any]:
        return {
            "double_connections": sum(self.double_connections.values()),
            "double_connections_by_device": dict(self.double_connections),
            "pages": len(self.pages),
            "connections": len(self.connections),
            "qrs_shown": self.qrs_shown,
        }

    # --- the build served ----------------------------------------------------------------------------------

    def builds(self) -> dict[str, Any]:
        return {"build": self.build, "builds": [build.view() for build in BUILDS.values()]}

    async def set_build(self, build: object) -> Build:
        """Serve ``build`` from now on and tell every connected page to reload itself onto it, as the real site
        does when a new build ships (a page keeps its URL, its page id and its credentials across the reload).
        BadInput for a build not in the catalogue; switching to the build already served reloads nothing."""
        try:
            chosen = build_checked(build)
        except ValueError as error:
            raise BadInput(str(error)) from None
        if chosen.build == self.build:
            log.info("build %s is already served: no page reloads", chosen.build)
            return chosen
        previous, self.build = self.build, chosen.build
        pages = list(self.pages.values())
        log.info("build switched from %s to %s (%s): telling %d connected pages to reload", previous, chosen.build,
                 chosen.description, len(pages))  # fmt: skip
        for page in pages:
            await send(page, {"type": "reload", "build": chosen.build})
        return chosen

    # --- the page's side ---------------------------------------------------------------------------------

    def note_device_page(self, page: Page, device_id: str) -> None:
        """``page`` is connected as ``device_id`` from now on."""
        page.device_id = device_id
        self.device_peers.setdefault(device_id, set()).add(page.peer)

    async def page_open(self, *, ws: web.WebSocketResponse, hello: dict[str, Any], peer: str = "") -> Page | None:
        """Register a page from its ``hello``; None when its device's connection is cut (the page retries)."""
        page_id = hello.get("page_id")
        if not isinstance(page_id, str) or not page_id.startswith("page_") or len(page_id) > 64:
            page_id = "page_" + secrets.token_hex(6)
        credentials = hello.get("credentials")
        device = None
        if isinstance(credentials, dict):
            device = self.registry.device_authenticate(
                device_id=str(credentials.get("device_id", "")), secret=str(credentials.get("secret", ""))
            )
            if device is not None and device.device_id in self.dropped:
                log.info("page %s: device %s is dropped, refusing its connection", page_id, device.device_id)
                return None
        previous = self.pages.get(page_id)
        if previous is not None:
            self.forget(previous)
        page = Page(page_id=page_id, ws=ws, keys=codes.PageKeys.generate(), peer=peer)
        self.pages[page_id] = page
        await send(page, {"type": "welcome", "page_id": page_id, "keys": page.keys.as_json()})
        if device is not None:
            await self._connect_device(page, device)
        else:
            if isinstance(credentials, dict):
                log.info("page %s: stored credentials are not linked (logged out or unknown)", page_id)
                await send(page, {"type": "unpaired"})
            self._start_rotation(page)
        return page

    async def page_message(self, page: Page, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "refresh_qr" and page.device_id is None:
            self._start_rotation(page)
        elif kind == "pairing_code":
            await self._page_pairing_code(page, message)
        elif kind == "takeover" and page.device_id is not None:
            other = self.connections.get(page.device_id)
            if other is not None and other is not page:
                self._count_double(page.device_id)
                await send(other, {"type": "conflict"})
            self.connections[page.device_id] = page
            await send(page, {"type": "connected"})
        elif kind == "logout" and page.device_id is not None:
            device_id = page.device_id
            self.registry.device_log_out(device_id=device_id)
            self.connections.pop(device_id, None)
            page.device_id = None
            log.info("page %s: device %s logged out from the page", page.page_id, device_id)
            await send(page, {"type": "logout", "source": "page"})

    def page_closed(self, page: Page) -> None:
        if self.pages.get(page.page_id) is page:
            self.forget(page)

    def forget(self, page: Page) -> None:
        """The page is gone: its QR rotation ends and it is no longer connected as its device."""
        self.stop_rotation(page)
        self.pages.pop(page.page_id, None)
        if page.device_id is not None and self.connections.get(page.device_id) is page:
            del self.connections[page.device_id]

    async def _connect_device(self, page: Page, device: Device) -> None:
        other = self.connections.get(device.device_id)
        if other is not None and other is not page:
            self._count_double(device.device_id)
            log.info("device %s: connected from page %s, conflict on page %s", device.device_id, page.page_id,
                     other.page_id)  # fmt: skip
            await send(other, {"type": "conflict"})
        self.note_device_page(page, device.device_id)
        self.connections[device.device_id] = page
        log.info("page %s: restored device %s", page.page_id, device.device_id)
        await send(page, {"type": "restore", "me": me(device), "sync_delay": draw(self.config.sync_delay)})

    async def _page_pairing_code(self, page: Page, message: dict[str, Any]) -> None:
        request_id = message.get("request_id")
        try:
            if page.device_id is not None:
                raise AlreadyUsed("this page is already linked")
            phone_number = codes.phone_number_checked(message.get("phone_number"))
        except PhoneError as error:
            await send(page, {"type": "pairing_code", "request_id": request_id, "error": error.message})
            return
        self.stop_rotation(page)
        self.prune()
        code = codes.new_pairing_code()
        self.pairing_codes[code] = PairingCode(
            code=code,
            page_id=page.page_id,
            phone_number=phone_number,
            expires_at=time.time() + self.config.pairing_code_lifetime,
        )
        log.info("page %s: pairing code requested for %s", page.page_id, phone_number)
        await send(page, {"type": "pairing_code", "request_id": request_id, "code": code})

    # --- the QR rotation -----------------------------------------------------------------------------------

    def _start_rotation(self, page: Page) -> None:
        self.stop_rotation(page)
        page.rotation = asyncio.get_running_loop().create_task(self._rotate(page))

    def stop_rotation(self, page: Page) -> None:
        """The page shows no QR any more (linked, asked for a pairing code, or gone)."""
        if page.rotation is not None:
            page.rotation.cancel()
            page.rotation = None
        if page.qr is not None and page.qr.status is QrStatus.LIVE:
            page.qr.status = QrStatus.EXPIRED
        page.qr = None

    async def _rotate(self, page: Page) -> None:
        """Show ``qr_count`` refs, the first for ``first_qr_lifetime``, the others ``next_qr_lifetime``."""
        for qr_count in range(1, self.config.qr_count + 1):
            lifetime = self.config.first_qr_lifetime if qr_count == 1 else self.config.next_qr_lifetime
            ref = codes.new_ref()
            qr = QrCode(
                page_id=page.page_id,
                page_opened_at=page.opened_at,
                ref=ref,
                qr=codes.qr_string(ref=ref, keys=page.keys),
                qr_count=qr_count,
                expires_at=time.time() + lifetime,
                peer=page.peer,
            )
            self.prune()
            self.qrs[qr.qr] = page.qr = qr
            self.qrs_shown += 1
            await send(page, {"type": "qr", "ref": ref, "qr_count": qr_count, "expires_in": lifetime})
            await asyncio.sleep(lifetime)
            if qr.status is QrStatus.LIVE:
                qr.status = QrStatus.EXPIRED
        page.qr = None
        page.rotation = None
        log.info("page %s: %d QR codes expired unscanned, UNPAIRED_IDLE", page.page_id, self.config.qr_count)
        await send(page, {"type": "idle"})

    def prune(self) -> None:
        """Forget the QR and pairing codes that expired more than FORGET_AFTER ago."""
        horizon = time.time() - FORGET_AFTER
        self.qrs = {key: qr for key, qr in self.qrs.items() if qr.expires_at > horizon}
        self.pairing_codes = {key: c for key, c in self.pairing_codes.items() if c.expires_at > horizon}

    async def close(self) -> None:
        for page in list(self.pages.values()):
            self.forget(page)
            with contextlib.suppress(Exception):
                await page.ws.close(code=WSCloseCode.GOING_AWAY, message=b"simulator stopping")
