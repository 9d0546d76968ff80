"""The simulator's live state: the pages connected over ``/ws``, their QR codes and pairing codes, and the
linked devices they hold, plus the phone's actions on them.

One ``Hub`` per app. Each page (a browser tab showing ``/``) holds one WebSocket; it says ``hello`` with its
``page_id`` (kept in the tab's sessionStorage across reloads) and the credentials it stored after pairing,
if any. Unlinked pages get a QR rotation; linked ones are restored. Everything runs on the event loop, so
the hub needs no locks: each method runs to its first ``await`` without interleaving.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import logging
import secrets
import time
from typing import Any

from aiohttp import WSCloseCode, web

from simulator import codes
from simulator.config import SimulatorConfig, draw
from simulator.errors import AlreadyUsed, BadInput, Expired, NotFound, PhoneError
from simulator.registry import Device, Registry, UnknownDevice

log = logging.getLogger(__name__)

DROPPED_CLOSE_CODE = 4000  # the page keeps its credentials and retries until the phone restores it
FORGET_AFTER = 600.0  # seconds after expiry that a QR or pairing code is still told apart from an unknown one


class QrStatus(enum.StrEnum):
    LIVE = "live"
    EXPIRED = "expired"
    USED = "used"


@dataclasses.dataclass(kw_only=True)
class QrCode:
    page_id: str
    ref: str
    qr: str
    qr_count: int
    expires_at: float  # Unix time
    shown_at: float = dataclasses.field(default_factory=time.time)  # Unix time
    status: QrStatus = QrStatus.LIVE

    def is_live(self) -> bool:
        return self.status is QrStatus.LIVE and time.time() < self.expires_at


@dataclasses.dataclass(kw_only=True)
class PairingCode:
    code: str
    page_id: str
    phone_number: str
    expires_at: float
    used: bool = False


@dataclasses.dataclass(eq=False, kw_only=True)
class Page:
    page_id: str
    ws: web.WebSocketResponse
    keys: codes.PageKeys
    device_id: str | None = None
    qr: QrCode | None = None
    rotation: asyncio.Task[None] | None = None


def phone_number_checked(value: Any) -> str:
    if not isinstance(value, str) or not codes.PHONE_RE.match(value):
        raise BadInput("phone_number must be digits in E.164 without '+', for example 5511999990000")
    return value


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

    def _count_double(self, device_id: str) -> None:
        self.double_connections[device_id] = self.double_connections.get(device_id, 0) + 1
        log.warning("device %s: connected on two pages at once", device_id)

    def stats(self) -> dict[str, Any]:
        return {
            "double_connections": sum(self.double_connections.values()),
            "double_connections_by_device": dict(self.double_connections),
            "pages": len(self.pages),
            "connections": len(self.connections),
        }

    # --- the page's side ---------------------------------------------------------------------------------

    async def page_open(self, *, ws: web.WebSocketResponse, hello: dict[str, Any]) -> Page | None:
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
            self._forget(previous)
        page = Page(page_id=page_id, ws=ws, keys=codes.PageKeys.generate())
        self.pages[page_id] = page
        await _send(page, {"type": "welcome", "page_id": page_id, "keys": page.keys.as_json()})
        if device is not None:
            await self._connect_device(page, device)
        else:
            if isinstance(credentials, dict):
                log.info("page %s: stored credentials are not linked (logged out or unknown)", page_id)
                await _send(page, {"type": "unpaired"})
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
                await _send(other, {"type": "conflict"})
            self.connections[page.device_id] = page
            await _send(page, {"type": "connected"})
        elif kind == "logout" and page.device_id is not None:
            device_id = page.device_id
            self.registry.device_log_out(device_id=device_id)
            self.connections.pop(device_id, None)
            page.device_id = None
            log.info("page %s: device %s logged out from the page", page.page_id, device_id)
            await _send(page, {"type": "logout", "source": "page"})

    def page_closed(self, page: Page) -> None:
        if self.pages.get(page.page_id) is page:
            self._forget(page)

    def _forget(self, page: Page) -> None:
        self._stop_rotation(page)
        self.pages.pop(page.page_id, None)
        if page.device_id is not None and self.connections.get(page.device_id) is page:
            del self.connections[page.device_id]

    async def _connect_device(self, page: Page, device: Device) -> None:
        other = self.connections.get(device.device_id)
        if other is not None and other is not page:
            self._count_double(device.device_id)
            log.info("device %s: connected from page %s, conflict on page %s", device.device_id, page.page_id,
                     other.page_id)  # fmt: skip
            await _send(other, {"type": "conflict"})
        page.device_id = device.device_id
        self.connections[device.device_id] = page
        log.info("page %s: restored device %s", page.page_id, device.device_id)
        await _send(page, {"type": "restore", "me": _me(device), "sync_delay": draw(self.config.sync_delay)})

    async def _page_pairing_code(self, page: Page, message: dict[str, Any]) -> None:
        request_id = message.get("request_id")
        try:
            if page.device_id is not None:
                raise AlreadyUsed("this page is already linked")
            phone_number = phone_number_checked(message.get("phone_number"))
        except PhoneError as error:
            await _send(page, {"type": "pairing_code", "request_id": request_id, "error": error.message})
            return
        self._stop_rotation(page)
        self._prune()
        code = codes.new_pairing_code()
        self.pairing_codes[code] = PairingCode(
            code=code,
            page_id=page.page_id,
            phone_number=phone_number,
            expires_at=time.time() + self.config.pairing_code_lifetime,
        )
        log.info("page %s: pairing code requested for %s", page.page_id, phone_number)
        await _send(page, {"type": "pairing_code", "request_id": request_id, "code": code})

    def _start_rotation(self, page: Page) -> None:
        self._stop_rotation(page)
        page.rotation = asyncio.get_running_loop().create_task(self._rotate(page))

    def _stop_rotation(self, page: Page) -> None:
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
                ref=ref,
                qr=codes.qr_string(ref=ref, keys=page.keys),
                qr_count=qr_count,
                expires_at=time.time() + lifetime,
            )
            self._prune()
            self.qrs[qr.qr] = page.qr = qr
            await _send(page, {"type": "qr", "ref": ref, "qr_count": qr_count, "expires_in": lifetime})
            await asyncio.sleep(lifetime)
            if qr.status is QrStatus.LIVE:
                qr.status = QrStatus.EXPIRED
        page.qr = None
        page.rotation = None
        log.info("page %s: %d QR codes expired unscanned, UNPAIRED_IDLE", page.page_id, self.config.qr_count)
        await _send(page, {"type": "idle"})

    def _prune(self) -> None:
        horizon = time.time() - FORGET_AFTER
        self.qrs = {key: qr for key, qr in self.qrs.items() if qr.expires_at > horizon}
        self.pairing_codes = {key: c for key, c in self.pairing_codes.items() if c.expires_at > horizon}

    # --- the phone's side --------------------------------------------------------------------------------

    def qrs_on_screen(self) -> list[QrCode]:
        """The live QR codes of the open pages, the newest first."""
        live = [page.qr for page in self.pages.values() if page.qr is not None and page.qr.is_live()]
        return sorted(live, key=lambda qr: qr.shown_at, reverse=True)

    async def scan(self, *, qr: str, phone_number: str, pushname: str, platform: str) -> Device:
        if not codes.looks_like_qr(qr):
            raise BadInput("this is not a WhatsApp Web QR code (expected ref,noiseKey,identityKey,advSecret,platform)")
        shown = self.qrs.get(qr)
        if shown is None:
            raise NotFound("unknown QR code: no computer shows it; scan the QR shown now")
        if shown.status is QrStatus.USED:
            raise AlreadyUsed("this QR code was already used to link a device")
        page = self.pages.get(shown.page_id)
        if not shown.is_live() or page is None or page.qr is not shown:
            raise Expired("QR code expired: reload the QR code on the computer and scan it again")
        shown.status = QrStatus.USED
        return await self._pair(page, phone_number=phone_number, pushname=pushname, platform=platform)

    async def link_with_code(self, *, code: str, phone_number: str, pushname: str, platform: str) -> Device:
        pending = self.pairing_codes.get(codes.normalize_pairing_code(code))
        if pending is None:
            raise NotFound("unknown pairing code: check the code shown on the computer")
        if pending.used:
            raise AlreadyUsed("this pairing code was already used to link a device")
        if pending.phone_number != phone_number:
            raise BadInput("this pairing code was requested for another phone number")
        page = self.pages.get(pending.page_id)
        if time.time() >= pending.expires_at or page is None or page.device_id is not None:
            raise Expired("pairing code expired: request a new code on the computer")
        pending.used = True
        return await self._pair(page, phone_number=phone_number, pushname=pushname, platform=platform)

    async def _pair(self, page: Page, *, phone_number: str, pushname: str, platform: str) -> Device:
        self._stop_rotation(page)
        device, secret = self.registry.device_link(phone_number=phone_number, pushname=pushname, platform=platform)
        page.device_id = device.device_id
        log.info("page %s: linked as device %s (%s)", page.page_id, device.device_id, phone_number)
        await _send(page, {"type": "paired", "device_id": device.device_id, "secret": secret, "me": _me(device)})
        return device

    def device_view(self, device: Device) -> dict[str, Any]:
        return {
            "device_id": device.device_id,
            "phone_number": device.phone_number,
            "pushname": device.pushname,
            "platform": device.platform,
            "lid": device.lid,
            "linked_at": device.linked_at,
            "connected": device.device_id in self.connections,
            "logged_out": device.logged_out,
            "dropped": device.device_id in self.dropped,
        }

    def _device(self, device_id: str) -> Device:
        try:
            return self.registry.device_get(device_id=device_id)
        except UnknownDevice:
            raise NotFound(f"unknown device {device_id!r}") from None

    async def device_logout(self, *, device_id: str) -> Device:
        self._device(device_id)
        device = self.registry.device_log_out(device_id=device_id)
        self.dropped.discard(device_id)
        page = self.connections.pop(device_id, None)
        log.info("device %s: logged out from the phone", device_id)
        if page is not None:
            page.device_id = None
            await _send(page, {"type": "logout", "source": "phone"})
        return device

    async def device_conflict(self, *, device_id: str) -> Device:
        device = self._device(device_id)
        page = self.connections.get(device_id)
        if device.logged_out or page is None:
            raise AlreadyUsed(f"device {device_id!r} is not connected")
        log.info("device %s: conflict on page %s", device_id, page.page_id)
        await _send(page, {"type": "conflict"})
        return device

    async def device_drop(self, *, device_id: str) -> Device:
        device = self._device(device_id)
        self.dropped.add(device_id)
        page = self.connections.pop(device_id, None)
        log.info("device %s: connection dropped", device_id)
        if page is not None:
            self._forget(page)
            await page.ws.close(code=DROPPED_CLOSE_CODE, message=b"dropped")
        return device

    async def device_restore(self, *, device_id: str) -> Device:
        device = self._device(device_id)
        self.dropped.discard(device_id)
        log.info("device %s: connection restored", device_id)
        return device

    async def close(self) -> None:
        for page in list(self.pages.values()):
            self._forget(page)
            with contextlib.suppress(Exception):
                await page.ws.close(code=WSCloseCode.GOING_AWAY, message=b"simulator stopping")


def _me(device: Device) -> dict[str, str]:
    return {
        "phone_number": device.phone_number,
        "lid": device.lid,
        "pushname": device.pushname,
        "platform": device.platform,
    }


async def _send(page: Page, message: dict[str, Any]) -> None:
    if page.ws.closed:
        return
    with contextlib.suppress(ConnectionError, RuntimeError):
        await page.ws.send_json(message)
