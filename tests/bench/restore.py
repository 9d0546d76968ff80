"""6. Restore: linked sessions, the worker killed (SIGKILL to its whole process group, Chromium included)
and started again -> every session ``READY`` on the worker and its ``session_ready`` received by the
backend, with no QR shown. The backend's accounts stay ``connected`` throughout (a kill is shorter than the
heartbeat timeout), so "connected again" is the backend receiving each session's fresh ``session_ready``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import psycopg

from tests.bench.scan import phone_number, run_flow
from tests.bench.stack import BenchStack

_EVENTS_SINCE = """
SELECT type, count(DISTINCT session_id) FROM accounts_webhookevent
WHERE session_id = ANY(%s) AND received_at >= %s AND type IN ('session_ready', 'qr_code_generated')
GROUP BY type
"""


async def measure(*, stack: BenchStack, sessions: int, at_once: int = 4) -> dict[str, Any]:
    [workspace_id] = await stack.workspaces(1, prefix="Bench restore")
    feed = await stack.feed(workspace_id)
    gate = asyncio.Semaphore(at_once)

    async def link(index: int):
        async with gate:
            return await run_flow(stack=stack, feed=feed, phone_number=phone_number(3, index))

    flows = await asyncio.gather(*(link(i) for i in range(sessions)))
    failed = [f.error for f in flows if f.error]
    session_ids = [f.account["session_id"] for f in flows if not f.error]

    worker = stack.live.processes["worker"]
    killed_at = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    await asyncio.to_thread(worker.kill)
    await asyncio.to_thread(worker.start)  # returns once /health answers 200 (the browser is up)
    worker_up_s = time.monotonic() - started

    all_ready_s = all_received_s = None
    qr_sessions = 0
    deadline = started + 120
    async with await psycopg.AsyncConnection.connect(stack.live.db_url, autocommit=True) as db:
        while time.monotonic() < deadline and (all_ready_s is None or all_received_s is None):
            states = await stack.worker_sessions()
            ready = sum(1 for s in session_ids if states.get(s) == "READY")
            if all_ready_s is None and ready == len(session_ids):
                all_ready_s = time.monotonic() - started
            rows = dict(await (await db.execute(_EVENTS_SINCE, (session_ids, killed_at))).fetchall())
            qr_sessions = rows.get("qr_code_generated", 0)
            if all_received_s is None and rows.get("session_ready", 0) == len(session_ids):
                all_received_s = time.monotonic() - started
            await asyncio.sleep(0.1)
    statuses = [a["status"] for a in await stack.accounts(workspace_id)]
    cleanup_s = await stack.cleanup([f.account for f in flows])
    return {
        "sessions": len(session_ids),
        "link_failures": failed,
        "worker_up_s": worker_up_s,
        "all_ready_on_worker_s": all_ready_s,
        "all_connected_s": all_received_s,
        "sessions_that_showed_a_qr": qr_sessions,
        "connected_accounts_after": statuses.count("connected"),
        "cleanup_s": cleanup_s,
    }
