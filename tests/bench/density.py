"""4. Density: how many sessions one worker holds, and what each costs, in both session layouts.

A worker process (``python -m session_worker``) runs against a simulator process and a fake backend in this
process (tests/harness/receiver.py ``WebhookReceiver``: each worker registered there with its own Ed25519 key,
every delivery verified with ``shared.identity.verify``); the sessions are started as the backend starts them: the
lease granted in the receiver, then the start command signed with the receiver's backend key for that worker.
Memory is PSS summed over the worker and every process below it (Playwright's driver, Chromium's browser,
zygotes, GPU/utility and renderer processes), read from /proc/<pid>/smaps_rollup, never RSS.

Per layout: a fresh worker starts sessions up to N (10, then 20, QR shown, measured at each), then links them
all (20 linked); a second fresh worker grows from the next size up to the largest (50, then 100). Each worker
runs with its default warm page pool (shared layout), whose pages count in its memory. The profile layout (a
Chromium per session) stops at a smaller size when 100 would not fit the time and memory budget: the output says so.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from shared import identity
from simulator.testing import PhoneClient
from tests.bench import pss
from tests.bench.stack import SIMULATOR_ARGS
from tests.bench.stats import summary
from tests.harness.identities import command_headers
from tests.harness.livestack import PYTHON, Process, free_port, simulator_process
from tests.harness.receiver import WebhookReceiver

log = logging.getLogger("bench.density")

SETTLE_S = 2.0  # after the last QR (or READY), before reading memory


class Rig:
    """A simulator process and the receiver, shared by every worker the measure starts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.receiver = WebhookReceiver()
        self.sim_port = free_port()
        self.simulator = simulator_process(
            folder, self.sim_port, args=SIMULATOR_ARGS, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        self.phone = PhoneClient(f"http://127.0.0.1:{self.sim_port}", self.http)

    async def start(self) -> None:
        await self.receiver.start()
        await asyncio.to_thread(self.simulator.start)

    async def close(self) -> None:
        await asyncio.to_thread(self.simulator.stop)
        await self.receiver.close()
        await self.http.close()

    def worker(self, *, layout: str, name: str) -> Process:
        port = free_port()
        worker_id, key = f"bench-{name}", identity.new_key_pair()
        self.receiver.register(worker_id, key.public)
        env = {
            **{k: v for k, v in os.environ.items() if k != "WHATSAPP_HMAC_SECRET"},  # the worker refuses it
            "PYTHONUNBUFFERED": "1",
            "WORKER_SIGNING_KEY": key.private,
            "BACKEND_PUBLIC_KEYS": self.receiver.backend.public,
            "WORKER_HOST": "127.0.0.1",
            "WORKER_PORT": str(port),
            "WORKER_ID": worker_id,
            "BACKEND_WEBHOOK_URL": self.receiver.url,
            "WA_WEB_URL": f"http://127.0.0.1:{self.sim_port}/",
            "SESSION_DATA_DIR": tempfile.mkdtemp(prefix=f"{name}-", dir=self.folder),
            "SESSION_LAYOUT": layout,
            "MAX_SESSIONS": "300",
            "HEARTBEAT_INTERVAL_S": "60",
        }
        return Process(
            f"worker-{name}",
            [PYTHON, "-m", "session_worker"],
            env,
            self.folder / f"worker-{name}.log",
            ready_url=f"http://127.0.0.1:{port}/health",
        )

    async def start_sessions(self, worker: Process, count: int) -> dict[str, Any]:
        """Start ``count`` sessions at once; per-session time to its first QR, and the batch's wall time."""
        base, worker_id = worker.ready_url.removesuffix("/health"), worker.env["WORKER_ID"]
        session_ids = [f"wa_{secrets.token_hex(16)}" for _ in range(count)]
        started = time.monotonic()

        async def post(session_id: str) -> float:
            body = json.dumps({"session_id": session_id, "workspace_id": "1"}).encode()
            self.receiver.grant(session_id, worker_id=worker_id)  # as the backend does before its start command
            headers = command_headers(self.receiver.backend.private, worker_id, "POST", "/sessions", body)
            headers["content-type"] = "application/json"
            sent = time.monotonic()
            async with self.http.post(f"{base}/sessions", data=body, headers=headers) as response:
                if response.status not in (200, 201):
                    raise RuntimeError(f"POST /sessions answered {response.status}: {await response.text()}")
            return sent

        sent = dict(zip(session_ids, await asyncio.gather(*(post(s) for s in session_ids)), strict=True))
        qrs = await self.receiver.wait_all(session_ids, "qr_code_generated", within=60 + 3 * count)
        qr_at = {s: self.receiver.arrived_at[event.id] for s, event in qrs.items()}
        wall = time.monotonic() - started
        return {
            "session_ids": session_ids,
            "wall_s": wall,
            "per_session_wall_s": wall / count,
            "to_qr_s": summary([qr_at[s] - sent[s] for s in session_ids]),
        }

    async def link(self, session_ids: list[str], *, series: int) -> float:
        """Scan every session's QR as a distinct phone; seconds until all are ready."""
        started = time.monotonic()
        for index, session_id in enumerate(session_ids):
            qr = self.receiver.first(session_id, "qr_code_generated")
            assert qr is not None
            await self.phone.scan(qr.data["qr"], phone_number=f"55118{series:02d}{index:05d}", pushname="Bench")
        await self.receiver.wait_all(session_ids, "session_ready", within=60 + 2 * len(session_ids))
        return time.monotonic() - started


async def _memory(worker: Process, sessions: int) -> dict[str, Any]:
    await asyncio.sleep(SETTLE_S)
    assert worker.popen is not None
    tree = await asyncio.to_thread(pss.tree_pss, worker.popen.pid)
    return {"sessions": sessions, **tree, "per_session_mib": tree["total_mib"] / sessions}


async def _layout(rig: Rig, *, layout: str, linked: int, sizes: list[int]) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    # A fresh worker grows through the sizes up to `linked` (QR shown), measured at each; then all linked,
    # measured again.
    worker = rig.worker(layout=layout, name=f"{layout}-linked")
    await asyncio.to_thread(worker.start)
    try:
        session_ids: list[str] = []
        for size in sorted({*(s for s in sizes if s < linked), linked}):
            started = await rig.start_sessions(worker, size - len(session_ids))
            session_ids += started["session_ids"]
            steps.append({"state": "qr", **await _memory(worker, size), **_starts(started)})
        link_s = await rig.link(session_ids, series=1 if layout == "shared" else 2)
        steps.append({"state": "linked", "link_all_s": link_s, **await _memory(worker, linked)})
    finally:
        await asyncio.to_thread(worker.kill)
    # A second fresh worker grows through the larger sizes.
    larger = [size for size in sizes if size > linked]
    if not larger:
        return {"layout": layout, "steps": steps}
    worker = rig.worker(layout=layout, name=f"{layout}-grow")
    await asyncio.to_thread(worker.start)
    try:
        held = 0
        for size in larger:
            started = await rig.start_sessions(worker, size - held)
            held = size
            steps.append({"state": "qr", **await _memory(worker, held), **_starts(started)})
            log.info("density %s: %d sessions, %.0f MiB each", layout, held, steps[-1]["per_session_mib"])
    finally:
        await asyncio.to_thread(worker.kill)
    return {"layout": layout, "steps": steps}


def _starts(started: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in started.items() if k != "session_ids"}


async def measure(*, folder: Path, linked: int, shared_sizes: list[int], profile_sizes: list[int]) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    rig = Rig(folder)
    await rig.start()
    try:
        shared = await _layout(rig, layout="shared", linked=linked, sizes=shared_sizes)
        profile = await _layout(rig, layout="profile", linked=linked, sizes=profile_sizes)
    finally:
        await rig.close()
    ratios = {}
    for step in shared["steps"]:
        twin = next(
            (p for p in profile["steps"] if p["sessions"] == step["sessions"] and p["state"] == step["state"]), None
        )
        if twin is not None:
            ratios[f"{step['state']}_{step['sessions']}"] = twin["per_session_mib"] / step["per_session_mib"]
    return {
        "shared": shared,
        "profile": profile,
        "profile_over_shared": ratios,
        "profile_note": (
            f"the profile layout was measured up to {max([*profile_sizes, linked])} sessions, not "
            f"{max(shared_sizes)}: a Chromium per session would not fit the 15-minute budget at that size"
            if max([*profile_sizes, linked]) < max(shared_sizes)
            else ""
        ),
        "bad_signatures": len(rig.receiver.bad_signatures),
    }
