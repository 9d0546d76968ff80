"""3. Success rate over full connect flows: each must end connected with the right phone number, and its
workspace with exactly one primary account. The flows run in several workspaces, a few at a time, so that
several accounts of one workspace connect around the same moment (the race for the primary flag)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bench.scan import GIVE_UP_AFTER, Flow, phone_number, run_flow
from tests.bench.stack import BenchStack
from tests.bench.stats import summary


async def measure(*, stack: BenchStack, flows: int, workspaces: int, at_once: int) -> dict[str, Any]:
    workspace_ids = await stack.workspaces(workspaces, prefix="Bench success")
    feeds = [await stack.feed(w) for w in workspace_ids]
    gate = asyncio.Semaphore(at_once)

    failed: list[Flow] = []

    async def one(index: int) -> Flow | None:
        async with gate:
            if len(failed) >= GIVE_UP_AFTER:
                return None  # something is broken: the rest would only measure timeouts
            feed = feeds[index % len(feeds)]
            flow = await run_flow(stack=stack, feed=feed, phone_number=phone_number(2, index))
            if flow.error:
                failed.append(flow)
            return flow

    done = [flow for flow in await asyncio.gather(*(one(i) for i in range(flows))) if flow is not None]

    failures: list[str] = [f.error for f in done if f.error]
    succeeded = 0
    by_workspace: dict[int, list[Flow]] = {}
    for flow in done:
        by_workspace.setdefault(flow.account["workspace_id"], []).append(flow)
    for workspace_id, mine in by_workspace.items():
        accounts = {a["id"]: a for a in await stack.accounts(workspace_id)}
        primaries = [a for a in accounts.values() if a["is_primary"]]
        for flow in mine:
            if flow.error:
                continue
            account = accounts.get(flow.account["id"])
            if account is None or account["status"] != "connected" or account["phone_number"] != flow.phone_number:
                failures.append(f"account {flow.account['id']}: {account and account['status']}, not connected")
            elif len(primaries) != 1:
                failures.append(f"workspace {workspace_id}: {len(primaries)} primary accounts")
            else:
                succeeded += 1
    cleanup_s = await stack.cleanup([f.account for f in done])
    ok = [f for f in done if not f.error]
    return {
        "flows": flows,
        "flows_run": len(done),
        "succeeded": succeeded,
        "rate": succeeded / flows if flows else 0.0,
        "failures": failures[:20],
        "at_once": at_once,
        "workspaces": workspaces,
        "scan_to_connected_s": summary([f.scan_s for f in ok]),
        "total_s": summary([f.total_s for f in ok]),
        "cleanup_s": cleanup_s,
    }
