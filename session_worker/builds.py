"""WhatsApp Web's builds this worker has seen boot clean, and the one an operator pinned (whatsapp-web.js's
``webVersionCache``, on the worker's disk).

Every page's main document (``WA_WEB_URL``) goes through the page's route (session_worker/page.py): the live
document loads as the browser loads it (through the session's proxy, if any) and its body is kept with the page;
once that page boots clean on build B (its surface as expected,
session_worker/whatsapp_web.py) the document is kept as ``<SESSION_DATA_DIR>/builds/<B>.html`` (owner-only, written
whole), if not there yet ("build cached").

The backend's heartbeat answer may carry ``whatsapp_web_pin`` (``manage.py whatsapp_web_pin BUILD``): while it names
B and ``builds/B.html`` exists, every page opens on that document instead of the live one ("page opening on pinned
build"); when the file is missing, the live page loads (an error logged once per pin). A change of the pin wakes
the sessions waiting after PAGE_CHANGED (:meth:`Builds.pin_changed`) and its listeners (the warm page pool).
What a pin can fix: the page's HTML, thus its module layout, while WhatsApp's servers still accept that build and
still serve its scripts. What it cannot: a server that refuses old builds, or a build this worker never saw (copy
``builds/`` from a worker that did).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from session_worker.files import write_atomically
from shared.payloads import BUILD_RE

log = logging.getLogger("session_worker.builds")


class Builds:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pin: str | None = None  # the build pages open on, from the heartbeat's answer (None: the live page)
        self.listeners: list[Callable[[], None]] = []  # told when the pin changes, or a page boots clean again
        self._changed = asyncio.Event()
        self._missing_logged: str | None = None  # the pin whose missing file was logged
        self._writes: dict[str, asyncio.Task] = {}  # build -> its write under way

    def path(self, build: str) -> Path | None:
        """Where build ``build``'s document is kept; None for a name that is not a build."""
        return self.directory / f"{build}.html" if BUILD_RE.fullmatch(build) else None

    # -- the pin ---------------------------------------------------------------------------------------------

    def set_pin(self, pin: str | None) -> None:
        if pin == self.pin:
            return
        log.warning("whatsapp web pin changed", extra={"pin": pin, "previous": self.pin})
        self.pin = pin
        self._changed.set()
        self._changed = asyncio.Event()
        for listener in list(self.listeners):
            listener()

    def booted_clean(self) -> None:
        """A page booted clean: the listeners that held back after a changed page may go on."""
        for listener in list(self.listeners):
            listener()

    async def pin_changed(self, *, within: float) -> bool:
        """Wait up to ``within`` seconds for the pin to change; True when it did."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), within)
            return True
        return False

    def pinned(self) -> tuple[str, bytes] | None:
        """The pinned build and its document, when pinned and kept; None: the live page."""
        pin = self.pin
        path = None if pin is None else self.path(pin)
        if pin is None or path is None:
            return None
        try:
            return pin, path.read_bytes()
        except OSError as exc:
            if self._missing_logged != pin:
                self._missing_logged = pin
                log.error(
                    "pinned build not kept here: pages open on the live page",
                    extra={"build": pin, "path": str(path), "error": f"{type(exc).__name__}: {exc}"},
                )
            return None

    # -- the cache -------------------------------------------------------------------------------------------

    def keep(self, build: str, html: bytes) -> None:
        """Keep ``html`` as build ``build``'s document (in the background), unless it is kept already."""
        path = self.path(build)
        if path is None or not html or build in self._writes or path.exists():
            return
        task = asyncio.get_running_loop().create_task(self._write(build, path, html), name=f"build:{build}")
        self._writes[build] = task
        task.add_done_callback(lambda _task: self._writes.pop(build, None))

    async def _write(self, build: str, path: Path, html: bytes) -> None:
        try:
            await asyncio.to_thread(write_atomically, path, html)
        except OSError as exc:
            log.error("build not cached", extra={"build": build, "error": f"{type(exc).__name__}: {exc}"})
            return
        log.info("build cached", extra={"build": build, "path": str(path), "bytes": len(html)})

    def kept(self) -> list[str]:
        """The builds kept here."""
        if not self.directory.is_dir():
            return []
        return sorted(path.stem for path in self.directory.glob("*.html") if BUILD_RE.fullmatch(path.stem))
