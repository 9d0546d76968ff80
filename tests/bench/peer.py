"""The peer: the unmodified whatsapp-web.js 1.34.7 (tests/conformance's pinned install), one Node process and
one Chromium per session with LocalAuth, as the seed ran it, against the stack's own simulator (instant
profile) behind the conformance suite's TLS front for ``https://web.whatsapp.com/``.

Each figure is taken the way ours is, on the bench's clock, from the bench asking for a session to the signal
reaching the bench:
- first QR: spawning ``node driver.js`` (the library launches its Chromium) -> its ``qr`` line read here;
  one session at a time (``single_runs`` of them), then 10 and 20 started together, each timed from the
  common start;
- PSS per session with 10 and 20 sessions showing a QR: the sum over every driver process and everything
  below it (its Chromium's browser, zygotes, GPU/utility and renderer processes), divided by the sessions;
- scan -> ready: the phone's scan call -> the library's ``ready`` line (the 10 sessions, one after another);
- restore: the 10 linked sessions stopped cleanly (``client.destroy()``, so that Chromium writes its
  profile: LocalAuth has nothing else), then 10 new drivers on the same folders started together ->
  ``ready``, and how many showed a QR.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from simulator.testing import PhoneClient
from tests.bench import pss
from tests.bench.stats import summary
from tests.conformance.wwebjs import LibraryClient, library_client, library_version, tls_front

log = logging.getLogger("bench.peer")

WAIT_S = 180.0  # a bound for a stuck library, not a timing expectation


class Peer:
    """Drivers started by the bench, each with its LocalAuth folder and its start time."""

    def __init__(self, front_port: int, folder: Path) -> None:
        self.front_port = front_port
        self.folder = folder
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Peer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_all()

    async def start(self, name: str) -> tuple[float, LibraryClient]:
        """A driver on LocalAuth folder ``name`` (kept across starts); (the bench's time at spawn, the client)."""
        started = time.monotonic()
        client = await self._stack.enter_async_context(library_client(self.front_port, data_path=self.folder / name))
        return started, client

    async def stop_all(self) -> None:
        """``client.destroy()`` for every driver started so far (Chromium closes and writes its profile)."""
        await self._stack.aclose()
        self._stack = contextlib.AsyncExitStack()


async def _first_qrs(peer: Peer, names: list[str]) -> tuple[list[float], list[LibraryClient]]:
    """Start a driver per name together; each one's seconds from the common start to its first QR."""
    started = time.monotonic()
    clients = [client for _, client in await asyncio.gather(*(peer.start(n) for n in names))]
    qrs = await asyncio.gather(*(c.wait_for("qr", within=WAIT_S) for c in clients))
    return [qr["received"] - started for qr in qrs], clients


def _memory(clients: list[LibraryClient]) -> dict[str, Any]:
    trees = [pss.tree_pss(c.process.pid) for c in clients]
    total = sum(t["total_mib"] for t in trees)
    by_kind: dict[str, float] = {}
    for tree in trees:
        for kind, mib in tree["by_kind_mib"].items():
            by_kind[kind] = by_kind.get(kind, 0.0) + mib
    return {
        "sessions": len(clients),
        "total_mib": total,
        "per_session_mib": total / len(clients),
        "processes": sum(t["processes"] for t in trees),
        "by_kind_mib": by_kind,
    }


async def measure(
    *, simulator_url: str, phone: PhoneClient, single_runs: int, at_once: list[int], restore: int
) -> dict[str, Any]:
    result: dict[str, Any] = {"library": f"whatsapp-web.js {library_version()}", "first_qr_s": {}, "memory": []}
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        folder = Path(tmp)
        async with tls_front(simulator_url) as front_port, Peer(front_port, folder) as peer:
            singles = []
            for run in range(single_runs):
                latencies, _ = await _first_qrs(peer, [f"single-{run}"])
                singles.extend(latencies)
                await peer.stop_all()
            result["first_qr_s"]["1"] = summary(singles)
            log.info("peer: first QR alone p50 %.2f s", result["first_qr_s"]["1"]["p50"])

            linked: list[str] = []
            for count in sorted(at_once, reverse=True):  # the largest first, then the one that is linked
                names = [f"burst{count}-{i}" for i in range(count)]
                latencies, clients = await _first_qrs(peer, names)
                result["first_qr_s"][str(count)] = summary(latencies)
                await asyncio.sleep(2.0)  # as density's SETTLE_S: the pages drawn, before reading memory
                result["memory"].append({"state": "qr", **_memory(clients)})
                log.info("peer: %d at once, p95 %.2f s", count, result["first_qr_s"][str(count)]["p95"])
                if count == restore:
                    result["scan_to_ready_s"] = summary(await _link(clients, phone))
                    linked = names
                await peer.stop_all()

            if linked:
                started = time.monotonic()
                clients = [client for _, client in await asyncio.gather(*(peer.start(n) for n in linked))]
                readies = await asyncio.gather(*(c.wait_for("ready", within=WAIT_S) for c in clients))
                result["restore"] = {
                    "sessions": len(linked),
                    "to_ready_s": summary([r["received"] - started for r in readies]),
                    "all_ready_s": max(r["received"] for r in readies) - started,
                    "sessions_that_showed_a_qr": sum(1 for c in clients if c.of("qr")),
                }
                await peer.stop_all()
    return result


async def _link(clients: list[LibraryClient], phone: PhoneClient) -> list[float]:
    """Scan each client's QR as a distinct phone, one after another: seconds from the scan call to ``ready``.
    The scan waits for ``initialize()`` to resolve, as tests/conformance's scan_when_ready explains."""
    latencies = []
    for index, client in enumerate(clients):
        await client.wait_for("initialized", within=WAIT_S)
        scanned = time.monotonic()
        await phone.scan(client.of("qr")[-1]["qr"], phone_number=f"55117{index:08d}", pushname="Bench peer")
        ready = await client.wait_for("ready", within=WAIT_S)
        latencies.append(ready["received"] - scanned)
    return latencies
