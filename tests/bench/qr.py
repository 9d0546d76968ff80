"""1. QR latency: the API's "Connect" -> ``qr_code_generated`` for that account on the workspace WebSocket.

Sequential: one connect at a time, each timed from its own request, the next one ``PACE_S`` after the previous
QR arrived (an operator's pace; the worker's warm page pool refills in between). At once: bursts of 10 and
20 connects started together, each timed from that common start, so the last QR's latency is the time the
whole burst took; each burst starts on an idle worker whose warm page pool is full. The worker's count of
starts that took a warm page is read from its metrics around each part.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from tests.bench.stack import BenchStack
from tests.bench.stats import summary

BURST_TIMEOUT_S = 120.0  # a QR later than this counts as missing (and fails the goal)
PACE_S = 1.0
ADOPTIONS = "wa_worker_warm_page_adoptions_total"


async def measure(*, stack: BenchStack, sequential: int, bursts: list[int]) -> dict[str, Any]:
    [workspace_id] = await stack.workspaces(1, prefix="Bench QR")
    feed = await stack.feed(workspace_id)
    await stack.warm_pages_full()
    adopted = await stack.worker_metric(ADOPTIONS)
    accounts = []
    seq_latencies = []
    wall: dict[str, tuple[float, float]] = {}  # session id -> (connect sent, QR on the WebSocket), epoch s
    to_wall = time.time() - time.monotonic()
    for _ in range(sequential):
        started = time.monotonic()
        account = await stack.connect(workspace_id)
        arrived, _qr = await feed.first_qr(account["id"])
        seq_latencies.append(arrived - started)
        accounts.append(account)
        wall[account["session_id"]] = (started + to_wall, arrived + to_wall)
        await asyncio.sleep(PACE_S)
    steps = await _steps(stack, wall)
    result: dict[str, Any] = {
        "sequential_s": summary(seq_latencies),
        "sequential_pace_s": PACE_S,
        "sequential_warm_starts": await stack.worker_metric(ADOPTIONS) - adopted,
        "sequential_steps_s": steps,
        "at_once": {},
    }
    result["cleanup_s"] = await stack.cleanup(accounts)
    for size in bursts:
        result["at_once"][str(size)] = await _burst(stack, feed, workspace_id, size)
    return result


async def _burst(stack: BenchStack, feed: Any, workspace_id: int, size: int) -> dict[str, Any]:
    await stack.warm_pages_full()
    adopted = await stack.worker_metric(ADOPTIONS)
    started = time.monotonic()
    accounts = await asyncio.gather(*(stack.connect(workspace_id) for _ in range(size)))
    arrivals = await asyncio.gather(
        *(feed.first_qr(a["id"], within=BURST_TIMEOUT_S) for a in accounts), return_exceptions=True
    )
    latencies = [a[0] - started for a in arrivals if not isinstance(a, BaseException)]
    return {
        "latency_s": summary(latencies),
        "without_qr": sum(1 for a in arrivals if isinstance(a, BaseException)),
        "warm_starts": await stack.worker_metric(ADOPTIONS) - adopted,
        "cleanup_s": await stack.cleanup(accounts),
    }


async def _steps(stack: BenchStack, wall: dict[str, tuple[float, float]]) -> dict[str, dict[str, Any]]:
    """Where a sequential connect's time goes, from the times each part recorded (one clock, this machine):
    the API's insert, the Celery hop to the worker, the browser up to the QR reaching the backend's inbox,
    and the backend applying and broadcasting it to the WebSocket."""
    session_ids = list(wall)
    created = await stack.created_at(session_ids)
    received = await stack.inbox_first(session_ids, "qr_code_generated")
    views = await stack.worker_views()
    started = {s: dt.datetime.fromisoformat(views[s]["started_at"]).timestamp() for s in session_ids if s in views}
    steps: dict[str, list[float]] = {
        "api": [],
        "celery_to_worker": [],
        "browser_to_inbox": [],
        "inbox_to_websocket": [],
    }
    for session_id, (sent, on_ws) in wall.items():
        if session_id not in started or session_id not in received:
            continue
        steps["api"].append(created[session_id] - sent)
        steps["celery_to_worker"].append(started[session_id] - created[session_id])
        steps["browser_to_inbox"].append(received[session_id] - started[session_id])
        steps["inbox_to_websocket"].append(on_ws - received[session_id])
    return {name: summary(values) for name, values in steps.items()}
