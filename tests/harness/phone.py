"""The phone for synchronous tests (Playwright's sync API, requests): ``simulator.testing.PhoneClient``, whose
calls run on an event loop of its own in a thread, so that they work beside any loop the test has."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from simulator.testing import PhoneClient, PhoneError
from tests.harness.waiting import wait_until


class Phone:
    """Every ``PhoneClient`` method (``scan``, ``link_with_code``, ``devices``, ``drop``...), called synchronously.

    ``phone.scan(qr, phone_number="4915123400001")``; failures raise ``simulator.testing.PhoneError``."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.url = base_url.rstrip("/")
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="phone", daemon=True)
        self._thread.start()
        self._client = PhoneClient(self.url)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return asyncio.run_coroutine_threadsafe(method(*args, **kwargs), self._loop).result(self.timeout)

        return call

    def scan_shown(self, read_qr: Callable[[], str], *, phone_number: str, attempts: int = 4, **device: str) -> Any:
        """Scan the QR a screen shows now (``read_qr`` reads it), as a person does: if the phone answers that
        the code expired (it rotated between the reading and the scan: a warm page's code can be near its end,
        and the instant profile rotates every 4 s), read the screen again and scan the code shown then."""
        tried: set[str] = set()
        while True:
            qr = wait_until(lambda: (shown := read_qr()) not in tried and shown, within=30, what="a new QR code")
            try:
                return self.scan(qr, phone_number=phone_number, **device)
            except PhoneError as error:
                tried.add(qr)
                if error.status != 410 or len(tried) >= attempts:
                    raise

    def linked_device(self, phone_number: str) -> dict[str, Any]:
        """The one device linked (and not logged out) as ``phone_number``."""
        [device] = [d for d in self.devices() if d["phone_number"] == phone_number and not d["logged_out"]]
        return device

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._client.close(), self._loop).result(self.timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        self._loop.close()

    def __enter__(self) -> Phone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
