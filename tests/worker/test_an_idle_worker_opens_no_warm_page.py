"""A worker nobody starts sessions on keeps no warm page (WARM_PAGES_MIN 0, the default): none opens at its
start, and none later, whatever WARM_PAGES_MAX says; the pool's target is 0 and no page load is counted."""

import asyncio

from session_worker.keys import METRICS, WARM_PAGES
from tests.harness.waiting import wait_until_async

QUIET_S = 3.0  # watched this long once the pool could open pages (the browser up, the first answer heard)


async def test_no_warm_page_opens_while_no_session_starts(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=2, heartbeat_interval_s=0.3)
    pool = worker.app[WARM_PAGES]
    await wait_until_async(
        lambda: pool.host.ready and worker.manager.leases.answered, within=60, what="the pool free to open pages"
    )
    await asyncio.sleep(QUIET_S)

    assert pool.counts() == {"size": 0, "ready": 0, "warming": 0}
    assert await sim.qrs() == []
    registry = worker.app[METRICS].registry
    assert registry.get_sample_value("wa_worker_page_loads_total", {"purpose": "warm"}) == 0
    assert registry.get_sample_value("wa_worker_warm_pages_target") == 0
