"""A WhatsApp Web page connected to the simulator over ``/ws``, and what it shows: its QR codes (each live
until it expires or is used) and the pairing codes it asked for. The hub (simulator/hub.py) keeps them; the
phone (simulator/phone.py) reads them."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import time
from typing import Any

from aiohttp import web

from simulator import codes
from simulator.registry import Device


class QrStatus(enum.StrEnum):
    LIVE = "live"
    EXPIRED = "expired"
    USED = "used"


@dataclasses.dataclass(kw_only=True)
class QrCode:
    page_id: str
    page_opened_at: float  # Unix time: when its page connected (the phone page lists the oldest page first)
    ref: str
    qr: str
    qr_count: int
    expires_at: float  # Unix time
    peer: str = ""  # the address its page connected from (a proxy's, when the browser went through one)
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
    opened_at: float = dataclasses.field(default_factory=time.time)  # Unix time: when it connected
    peer: str = ""  # the address its socket came from: a proxy's, when the browser went through one
    rotation: asyncio.Task[None] | None = None


def me(device: Device) -> dict[str, str]:
    """The linked device as the page knows itself (``getMaybeMePnUser`` and friends)."""
    return {
        "phone_number": device.phone_number,
        "lid": device.lid,
        "pushname": device.pushname,
        "platform": device.platform,
    }


async def send(page: Page, message: dict[str, Any]) -> None:
    """Tell the page ``message``; a page already gone is not told."""
    if page.ws.closed:
        return
    with contextlib.suppress(ConnectionError, RuntimeError):
        await page.ws.send_json(message)
