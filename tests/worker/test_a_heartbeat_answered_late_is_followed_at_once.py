"""A heartbeat the backend answers late (it waited for its database) renews leases measured from when it left:
they are already short, and a session it started could be fenced before the next heartbeat renews it (seen when
PostgreSQL restarted under the live stack: sessions started from such an answer were stopped 3 s later). The
worker then sends the next heartbeat at once instead of after HEARTBEAT_INTERVAL_S."""

from __future__ import annotations

import asyncio

from shared.events import EventType

HEARTBEAT = EventType.WORKER_HEARTBEAT.value


async def test_the_next_heartbeat_leaves_at_once_after_a_late_answer(start_worker, receiver):
    stalled: list[str] = []

    def first_heartbeat_late(event) -> float:
        if event.type != HEARTBEAT or stalled:
            return 0.0
        stalled.append(event.id)
        return 2.0  # longer than the worker's safety margin below

    receiver.stall = first_heartbeat_late
    await start_worker(heartbeat_interval_s=60.0, lease_safety_margin_s=0.5, warm_pages_max=0)
    # Without the rule, the second would come a minute after the first.
    await receiver.wait_for(lambda e: e.type == HEARTBEAT and e.id not in stalled, within=30)
    assert next(e.id for e in receiver.events if e.type == HEARTBEAT) == stalled[0]


async def test_a_prompt_answer_waits_the_interval(start_worker, receiver):
    await start_worker(heartbeat_interval_s=60.0, lease_safety_margin_s=0.5, warm_pages_max=0)
    await receiver.wait_for(lambda e: e.type == HEARTBEAT, within=30)
    await asyncio.sleep(3)  # what must not happen: a second heartbeat long before the interval
    assert len([e for e in receiver.events if e.type == HEARTBEAT]) == 1
