"""A start makes the pool fill to WARM_PAGES_MAX behind it; once WARM_PAGES_IDLE_S passed with no other start,
the pool closes its pages down to WARM_PAGES_MIN (0 here). The page loads are counted by purpose.

The worker starts with a long WARM_PAGES_IDLE_S (the pool must fill whatever the machine's speed), shortened
once it is full: the pool reads it at each look at its pages."""

import dataclasses

from session_worker.keys import METRICS, WARM_PAGES
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id

IDLE_S = 3.0
LONG_IDLE_S = 3600.0


async def test_the_pool_fills_after_a_start_and_empties_once_idle(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=2, warm_pages_idle_s=LONG_IDLE_S)
    pool = worker.app[WARM_PAGES]
    registry = worker.app[METRICS].registry

    def loads(purpose: str) -> float:
        return registry.get_sample_value("wa_worker_page_loads_total", {"purpose": purpose})

    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "qr_code_generated")
    assert loads("session") == 1  # the pool held nothing: the start opened a page of its own
    await wait_until_async(lambda: pool.counts()["ready"] == 2, within=60, what="the pool filled to its most")
    assert registry.get_sample_value("wa_worker_warm_pages_target") == 2
    assert loads("warm") >= 2

    pool.settings = dataclasses.replace(pool.settings, warm_pages_idle_s=IDLE_S)
    await wait_until_async(lambda: pool.counts() == {"size": 0, "ready": 0, "warming": 0}, within=60, what="idle")
    assert registry.get_sample_value("wa_worker_warm_pages_target") == 0
    assert not pool._pages
    assert worker.manager.get(sid).state == "SCAN_QR_CODE"  # the session's own page is not the pool's to close
