"""The phone's side: what a person does with the phone, acting on the hub's pages (simulator/hub.py). Scan a
QR code on screen, or enter a pairing code, to link a device; then log that device out, cause a conflict,
cut its connection and restore it. Each failure is a :class:`simulator.errors.PhoneError` carrying the HTTP
status the phone API answers with."""

from __future__ import annotations

import logging
import time
from typing import Any

from simulator import codes
from simulator.errors import AlreadyUsed, BadInput, Expired, NotFound
from simulator.hub import Hub
from simulator.pages import Page, QrCode, QrStatus, me, send
from simulator.registry import Device, UnknownDevice

log = logging.getLogger(__name__)

DROPPED_CLOSE_CODE = 4000  # the page keeps its credentials and retries until the phone restores it


class Phone:
    def __init__(self, *, hub: Hub) -> None:
        self.hub = hub
        self.registry = hub.registry

    def qrs_on_screen(self) -> list[QrCode]:
        """The live QR codes of the open pages, the oldest page first: that is the QR a settings page shows (see
        docs/simulator.md, "The phone page": a session's page is older than every page a worker keeps warm)."""
        live = [page.qr for page in self.hub.pages.values() if page.qr is not None and page.qr.is_live()]
        return sorted(live, key=lambda qr: (qr.page_opened_at, qr.shown_at))

    # --- linking -----------------------------------------------------------------------------------------

    async def scan(self, *, qr: str, phone_number: str, pushname: str, platform: str) -> Device:
        if not codes.looks_like_qr(qr):
            raise BadInput("this is not a WhatsApp Web QR code (expected ref,noiseKey,identityKey,advSecret,platform)")
        shown = self.hub.qrs.get(qr)
        if shown is None:
            raise NotFound("unknown QR code: no computer shows it; scan the QR shown now")
        if shown.status is QrStatus.USED:
            raise AlreadyUsed("this QR code was already used to link a device")
        page = self.hub.pages.get(shown.page_id)
        if not shown.is_live() or page is None or page.qr is not shown:
            raise Expired("QR code expired: reload the QR code on the computer and scan it again")
        shown.status = QrStatus.USED
        return await self._pair(page, phone_number=phone_number, pushname=pushname, platform=platform)

    async def link_with_code(self, *, code: str, phone_number: str, pushname: str, platform: str) -> Device:
        pending = self.hub.pairing_codes.get(codes.normalize_pairing_code(code))
        if pending is None:
            raise NotFound("unknown pairing code: check the code shown on the computer")
        if pending.used:
            raise AlreadyUsed("this pairing code was already used to link a device")
        if pending.phone_number != phone_number:
            raise BadInput("this pairing code was requested for another phone number")
        page = self.hub.pages.get(pending.page_id)
        if time.time() >= pending.expires_at or page is None or page.device_id is not None:
            raise Expired("pairing code expired: request a new code on the computer")
        pending.used = True
        return await self._pair(page, phone_number=phone_number, pushname=pushname, platform=platform)

    async def _pair(self, page: Page, *, phone_number: str, pushname: str, platform: str) -> Device:
        self.hub.stop_rotation(page)
        device, secret = self.registry.device_link(phone_number=phone_number, pushname=pushname, platform=platform)
        self.hub.note_device_page(page, device.device_id)
        log.info("page %s: linked as device %s (%s)", page.page_id, device.device_id, phone_number)
        await send(page, {"type": "paired", "device_id": device.device_id, "secret": secret, "me": me(device)})
        return device

    # --- the linked devices ------------------------------------------------------------------------------

    def device_view(self, device: Device) -> dict[str, Any]:
        return {
            "device_id": device.device_id,
            "phone_number": device.phone_number,
            "pushname": device.pushname,
            "platform": device.platform,
            "lid": device.lid,
            "linked_at": device.linked_at,
            "connected": device.device_id in self.hub.connections,
            "logged_out": device.logged_out,
            "dropped": device.device_id in self.hub.dropped,
            "peers": sorted(self.hub.device_peers.get(device.device_id, ())),
        }

    def devices(self) -> list[Device]:
        return self.registry.devices()

    def _device(self, device_id: str) -> Device:
        try:
            return self.registry.device_get(device_id=device_id)
        except UnknownDevice:
            raise NotFound(f"unknown device {device_id!r}") from None

    async def device_logout(self, *, device_id: str) -> Device:
        self._device(device_id)
        device = self.registry.device_log_out(device_id=device_id)
        self.hub.dropped.discard(device_id)
        page = self.hub.connections.pop(device_id, None)
        log.info("device %s: logged out from the phone", device_id)
        if page is not None:
            page.device_id = None
            await send(page, {"type": "logout", "source": "phone"})
        return device

    async def device_conflict(self, *, device_id: str) -> Device:
        device = self._device(device_id)
        page = self.hub.connections.get(device_id)
        if device.logged_out or page is None:
            raise AlreadyUsed(f"device {device_id!r} is not connected")
        log.info("device %s: conflict on page %s", device_id, page.page_id)
        await send(page, {"type": "conflict"})
        return device

    async def device_drop(self, *, device_id: str) -> Device:
        device = self._device(device_id)
        self.hub.dropped.add(device_id)
        page = self.hub.connections.pop(device_id, None)
        log.info("device %s: connection dropped", device_id)
        if page is not None:
            self.hub.forget(page)
            await page.ws.close(code=DROPPED_CLOSE_CODE, message=b"dropped")
        return device

    async def device_restore(self, *, device_id: str) -> Device:
        device = self._device(device_id)
        self.hub.dropped.discard(device_id)
        log.info("device %s: connection restored", device_id)
        return device
