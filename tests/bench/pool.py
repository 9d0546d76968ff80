"""5. The warm page pool, idle and busy: what a worker nobody uses costs in page loads, and what a working session
of Connects gets from the pool.

Each part runs a worker process (``python -m session_worker``, its default pool settings unless said) against a
simulator process of its own (instant profile) and the fake backend in this process (density.py's ``Rig``).

- Idle: a fresh worker nobody starts sessions on, watched for ``window_s`` once its pool could open pages, with
  the simulator's first QR living ``IDLE_FIRST_QR_S`` instead of the real site's 60 s, so that a pool replacing
  its pages at each first QR would show it 12 times over. Its warm page loads (``wa_worker_page_loads_total``)
  after the initial fill are scaled to an hour: an over-estimate of the real site's. Measured with the default
  ``WARM_PAGES_MIN`` (0) and with 1 (whose page is replaced at most every 10 minutes while idle).
- Busy: ``connects`` starts on a fresh, idle worker (QRs living 300 s, as the stack's measures), one at a time,
  ``PACE_S`` after the previous QR arrived (an operator's pace), each timed from its start command to its first
  ``qr_code_generated`` at the backend (the worker's part of Connect -> QR; the stack's own hops add about 0.1 s,
  measure "qr"). The first pays a page load (the pool is empty when idle); the pool fills behind it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

from tests.bench.density import Rig
from tests.bench.stack import SIMULATOR_ARGS
from tests.bench.stats import summary
from tests.harness.livestack import simulator_process

log = logging.getLogger("bench.pool")

IDLE_FIRST_QR_S = 5.0
IDLE_SIMULATOR_ARGS = ["--first-qr-lifetime", f"{IDLE_FIRST_QR_S:g}", "--next-qr-lifetime", f"{IDLE_FIRST_QR_S:g}"]
PACE_S = 2.0
WARM_LOADS = "wa_worker_page_loads_total"


async def measure(
    *, folder: Path, window_s: float, connects: int, minimums: tuple[int, ...] = (0, 1)
) -> dict[str, Any]:
    result: dict[str, Any] = {"idle": {}, "idle_first_qr_s": IDLE_FIRST_QR_S, "idle_window_s": window_s}
    for minimum in minimums:
        result["idle"][str(minimum)] = await _idle(folder / f"idle-{minimum}", window_s=window_s, minimum=minimum)
    result["busy"] = await _busy(folder / "busy", connects=connects)
    return result


async def _rig(folder: Path, simulator_args: list[str]) -> Rig:
    folder.mkdir(parents=True, exist_ok=True)
    rig = Rig(folder)
    rig.simulator = simulator_process(
        folder, rig.sim_port, args=simulator_args, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    await rig.start()
    return rig


async def _metrics(rig: Rig, base: str) -> dict[str, float]:
    async with rig.http.get(f"{base}/metrics") as response:
        text = await response.text()
    samples = {}
    for line in text.splitlines():
        if line.startswith(WARM_LOADS) or line.startswith("wa_worker_warm_pages_target "):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def _loads(samples: dict[str, float], purpose: str) -> float:
    return samples.get(f'{WARM_LOADS}{{purpose="{purpose}"}}', 0.0)


async def _health(rig: Rig, base: str) -> dict[str, Any]:
    async with rig.http.get(f"{base}/health") as response:
        return await response.json()


async def _idle(folder: Path, *, window_s: float, minimum: int) -> dict[str, Any]:
    rig = await _rig(folder, IDLE_SIMULATOR_ARGS)
    try:
        worker = rig.worker(layout="shared", name=f"idle-{minimum}")
        worker.env.update({"WARM_PAGES_MIN": str(minimum), "HEARTBEAT_INTERVAL_S": "5"})
        base = worker.ready_url.removesuffix("/health")
        await asyncio.to_thread(worker.start)
        try:
            # The initial fill (the pages of the minimum, once): done when they show their QR, or at once with none.
            deadline = time.monotonic() + 60
            while (await _health(rig, base))["warm_pages"]["ready"] < minimum and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            before = _loads(await _metrics(rig, base), "warm")
            await asyncio.sleep(window_s)
            after = await _metrics(rig, base)
        finally:
            await asyncio.to_thread(worker.kill)
    finally:
        await rig.close()
    loads = _loads(after, "warm") - before
    return {
        "minimum": minimum,
        "initial_loads": before,
        "window_loads": loads,
        "loads_per_hour": loads * 3600 / window_s,
        "target": after.get("wa_worker_warm_pages_target"),
    }


async def _busy(folder: Path, *, connects: int) -> dict[str, Any]:
    rig = await _rig(folder, SIMULATOR_ARGS)
    try:
        worker = rig.worker(layout="shared", name="busy")
        worker.env["HEARTBEAT_INTERVAL_S"] = "5"
        base = worker.ready_url.removesuffix("/health")
        await asyncio.to_thread(worker.start)
        try:
            await asyncio.sleep(PACE_S)  # idle: its pool holds nothing (WARM_PAGES_MIN 0)
            latencies = []
            for _ in range(connects):
                started = await rig.start_sessions(worker, 1)
                latencies.append(started["to_qr_s"]["p50"])
                await asyncio.sleep(PACE_S)
            samples = await _metrics(rig, base)
        finally:
            await asyncio.to_thread(worker.kill)
    finally:
        await rig.close()
    return {
        "connect_to_qr_s": summary(latencies),
        "first_s": latencies[0] if latencies else None,
        "pace_s": PACE_S,
        "loads": {"warm": _loads(samples, "warm"), "session": _loads(samples, "session")},
    }
