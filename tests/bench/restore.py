"""6. Restore: linked sessions, the worker killed (SIGKILL to its whole process group, Chromium included)
and started again -> every session ``READY`` on the worker and its ``session_ready`` received by the
backend, with no QR shown. The backend's accounts stay ``connected`` throughout (a kill is shorter than the
heartbeat timeout), so "connected again" is the backend receiving each session's fresh ``session_ready``.

Two rounds on one stack: ``sizes`` linked sessions each (10, the peer's comparison, then 10 more for 20,
the goal), the worker killed and restarted after each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import psycopg

from tests.bench.scan import phone_number, run_flow
from tests.bench.stack import BenchStack
from tests.bench.stats import summary

_EVENTS_SINCE = """
SELECT session_id, type, min(received_at) FROM inbox_webhookevent
WHERE session_id = ANY(%s) AND received_at >= %s AND type IN ('session_ready', 'qr_code_generated')
GROUP BY session_id, type
"""


async def measure(*, stack: BenchStack, sizes: list[int], at_once: int = 4) -> dict[str, Any]:
    [workspace_id] = await stack.workspaces(1, prefix="Bench restore")
    feed = await stack.feed(workspace_id)
    gate = asyncio.Semaphore(at_once)

    async def link(index: int):
        async with gate:
            return await run_flow(stack=stack, feed=feed, phone_number=phone_number(3, index))

    flows: list[Any] = []
    rounds: dict[str, Any] = {}
    for size in sorted(sizes):
        flows += await asyncio.gather(*(link(i) for i in range(len(flows), size)))
        rounds[str(size)] = await _kill_and_restore(stack, flows)
    statuses = [a["status"] for a in await stack.accounts(workspace_id)]
    return {
        "rounds": rounds,
        "connected_accounts_after": statuses.count("connected"),
        "cleanup_s": await stack.cleanup([f.account for f in flows]),
    }


async def _kill_and_restore(stack: BenchStack, flows: list[Any]) -> dict[str, Any]:
    session_ids = [f.account["session_id"] for f in flows if not f.error]
    worker = stack.live.processes["worker"]
    killed_at = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    to_wall = time.time() - started
    await asyncio.to_thread(worker.kill)
    await asyncio.to_thread(worker.start)  # returns once /health answers 200 (the browser is up)
    worker_up_s = time.monotonic() - started

    all_ready_s = None
    ready_at: dict[str, float] = {}
    qr_sessions: set[str] = set()
    deadline = started + 120
    async with await psycopg.AsyncConnection.connect(stack.live.db_url, autocommit=True) as db:
        while time.monotonic() < deadline and len(ready_at) < len(session_ids):
            if all_ready_s is None:
                states = await stack.worker_sessions()
                if all(states.get(s) == "READY" for s in session_ids):
                    all_ready_s = time.monotonic() - started
            for session_id, type_, at in await (await db.execute(_EVENTS_SINCE, (session_ids, killed_at))).fetchall():
                if type_ == "session_ready":
                    ready_at[session_id] = at.timestamp() - to_wall - started
                else:
                    qr_sessions.add(session_id)
            await asyncio.sleep(0.1)
    return {
        "sessions": len(session_ids),
        "link_failures": [f.error for f in flows if f.error],
        "worker_up_s": worker_up_s,
        "all_ready_on_worker_s": all_ready_s,
        "all_connected_s": max(ready_at.values()) if len(ready_at) == len(session_ids) else None,
        "to_connected_s": summary(list(ready_at.values())),
        "sessions_that_showed_a_qr": len(qr_sessions),
    }
