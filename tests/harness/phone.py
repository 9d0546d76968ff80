"""The phone for synchronous tests (Playwright's sync API, requests): ``simulator.testing.PhoneClient``, whose
calls run on an event loop of its own in a thread, so that they work beside any loop the test has."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from simulator.testing import PhoneClient


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
