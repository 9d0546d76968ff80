"""A start takes a page of the warm page pool: the session's first QR is the one that page already showed
(no page load in between), the pool fills up again, and the adoption is counted in the metrics."""

from session_worker.keys import WARM_PAGES
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


async def test_the_first_qr_is_the_one_the_warm_page_already_showed(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_min=1, warm_pages_max=1)
    pool = worker.app[WARM_PAGES]
    await wait_until_async(lambda: pool.counts()["ready"] == 1, within=60, what="a warm page")
    [showing] = await sim.qrs()

    sid = session_id()
    await worker.start_session(sid)
    first = await receiver.wait_for_type(sid, "qr_code_generated")

    assert first.data["qr"] == showing["qr"] and first.data["qr_count"] == 1
    assert worker.manager.get(sid).state == "SCAN_QR_CODE"
    await wait_until_async(lambda: pool.counts()["ready"] == 1, within=60, what="the pool filled again")
    pages = {qr["page_id"] for qr in await sim.qrs()}
    assert showing["page_id"] in pages and len(pages) == 2  # the session's page and a new warm one
    status, metrics = await worker.call("GET", "/metrics")
    assert status == 200
    assert b"wa_worker_warm_page_adoptions_total 1.0" in metrics
    assert b'wa_worker_warm_pages{state="ready"} 1.0' in metrics
