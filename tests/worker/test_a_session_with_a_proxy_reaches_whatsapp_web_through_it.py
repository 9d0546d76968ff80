"""A session started with a proxy opens its page through it (Playwright's per-context proxy), never around it: the
proxy (tinyproxy, basic auth, going out from 127.0.0.2) logs the page's load and its WebSocket's CONNECT to the
simulator, and the session shows its QR; the warm page pool's page (it connects directly) is not the session's."""

from session_worker.keys import WARM_PAGES
from tests.harness.tinyproxy import Tinyproxy
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


async def test_the_page_loads_through_the_proxy_and_shows_its_qr_not_the_warm_pages(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_min=1, warm_pages_max=1)
    pool = worker.app[WARM_PAGES]
    await wait_until_async(lambda: pool.counts()["ready"] == 1, within=60, what="a warm page")
    [warm] = await sim.qrs()
    simulator = sim.url.removeprefix("http://")

    with Tinyproxy(auth=("alice", "s3cret"), bind="127.0.0.2") as proxy:
        sid = session_id()
        await worker.start_session(sid, proxy=proxy.wire())
        first = await receiver.wait_for_type(sid, "qr_code_generated", within=60)
        await wait_until_async(
            lambda: f"CONNECT {simulator} HTTP/1.1" in proxy.log_text(), within=30, what="the WebSocket's CONNECT"
        )
        log = proxy.log_text()

    assert f"GET {sim.url}/ HTTP/1.1" in log  # the page's load
    assert first.data["qr"] != warm["qr"]  # a page of its own...
    assert warm["page_id"] in {qr["page_id"] for qr in await sim.qrs()}  # ...the warm one still waiting
    assert pool.counts()["ready"] == 1
    status, metrics = await worker.call("GET", "/metrics")
    assert status == 200 and b"wa_worker_warm_page_adoptions_total 0.0" in metrics
