"""2. Scan -> connected: the simulator's phone scans the QR the WebSocket showed -> the first WebSocket
message that carries the account's phone number. Each flow also times its QR and its whole length
("Connect" -> connected), the seed's "total flow"."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.bench.stack import BenchStack, Feed
from tests.bench.stats import summary

GIVE_UP_AFTER = 3  # failed flows, after which a measure stops early and says so
FLOW_STEP_TIMEOUT_S = 30.0


@dataclass
class Flow:
    account: dict[str, Any]
    phone_number: str
    qr_s: float = float("nan")
    scan_s: float = float("nan")
    total_s: float = float("nan")
    scanned_wall: float = float("nan")  # epoch seconds, to line up with the times the stack recorded
    connected_wall: float = float("nan")
    error: str = ""


async def run_flow(*, stack: BenchStack, feed: Feed, phone_number: str) -> Flow:
    """One full connect flow, as an operator and a phone would do it; failures are kept, not raised."""
    started = time.monotonic()
    account = await stack.connect(feed.workspace_id)
    flow = Flow(account=account, phone_number=phone_number)
    try:
        qr_at, qr = await feed.first_qr(account["id"], within=FLOW_STEP_TIMEOUT_S)
        flow.qr_s = qr_at - started
        assert stack.phone is not None
        scanned = time.monotonic()
        await stack.phone.scan(qr, phone_number=phone_number, pushname="Bench phone")
        connected_at, _ = await feed.wait(
            lambda m: (
                (m.get("account") or {}).get("id") == account["id"] and m["account"]["phone_number"] == phone_number
            ),
            within=FLOW_STEP_TIMEOUT_S,
        )
        flow.scan_s = connected_at - scanned
        flow.total_s = connected_at - started
        to_wall = time.time() - time.monotonic()
        flow.scanned_wall, flow.connected_wall = scanned + to_wall, connected_at + to_wall
    except Exception as exc:
        flow.error = f"{type(exc).__name__}: {exc}"
    return flow


def phone_number(series: int, index: int) -> str:
    """Distinct E.164 digits (no "+") per series and index."""
    return f"55119{series:02d}{index:05d}"


async def measure(*, stack: BenchStack, flows: int) -> dict[str, Any]:
    [workspace_id] = await stack.workspaces(1, prefix="Bench scan")
    feed = await stack.feed(workspace_id)
    done: list[Flow] = []
    for index in range(flows):
        done.append(await run_flow(stack=stack, feed=feed, phone_number=phone_number(1, index)))
        if sum(1 for f in done if f.error) >= GIVE_UP_AFTER:
            break  # something is broken: the figures would only measure timeouts
    ok = [f for f in done if not f.error]
    steps = await scan_steps(stack, ok)
    cleanup_s = await stack.cleanup([f.account for f in done])
    return {
        "scan_steps_s": steps,
        "flows": len(done),
        "flows_planned": flows,
        "failed": [f.error for f in done if f.error],
        "scan_to_connected_s": summary([f.scan_s for f in ok]),
        "qr_s": summary([f.qr_s for f in ok]),
        "total_s": summary([f.total_s for f in ok]),
        "cleanup_s": cleanup_s,
    }


async def scan_steps(stack: BenchStack, flows: list[Flow]) -> dict[str, dict[str, float]]:
    """Where scan -> connected goes, from the times the backend's inbox recorded: the phone's scan to
    ``session_authenticated`` received, then to ``session_ready`` received (sync and the phone number read),
    then the backend applying it and broadcasting to the WebSocket."""
    session_ids = [f.account["session_id"] for f in flows]
    authenticated = await stack.inbox_first(session_ids, "session_authenticated")
    ready = await stack.inbox_first(session_ids, "session_ready")
    steps: dict[str, list[float]] = {
        "scan_to_authenticated": [],
        "authenticated_to_ready": [],
        "ready_to_websocket": [],
    }
    for flow in flows:
        session_id = flow.account["session_id"]
        if session_id in authenticated and session_id in ready:
            steps["scan_to_authenticated"].append(authenticated[session_id] - flow.scanned_wall)
            steps["authenticated_to_ready"].append(ready[session_id] - authenticated[session_id])
            steps["ready_to_websocket"].append(flow.connected_wall - ready[session_id])
    return {name: summary(values) for name, values in steps.items()}
