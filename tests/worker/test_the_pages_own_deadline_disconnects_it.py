"""The lease's deadline is held inside the session's page (session_worker/page_deadline.py): once it passes, the
page leaves WhatsApp Web by itself (``about:blank``, its sockets closed), whatever the worker's Python does. The
worker here does nothing: the session was started without a lease deadline of its own (its fence never fires)
and its heartbeats are an hour apart (no renewal pushes another deadline); the test gives the page a deadline as
a renewal would, and watches the simulator see the page's connection close. It survives the page's own reload:
the deadline is kept in the page's sessionStorage, and the reloaded document is guarded with no new push."""

import time

from session_worker import page_deadline
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def _disconnected(sim, device_id: str) -> bool:
    return not (await sim.device(device_id))["connected"]


async def test_a_page_whose_deadline_passes_leaves_whatsapp_web_by_itself(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=0, heartbeat_interval_s=3600)
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990035")
    session = worker.manager.sessions[sid]
    page = session.page.page
    assert (await sim.device(device["device_id"]))["connected"]

    assert await page_deadline.push(page, int((time.time() + 1) * 1000))  # a second from now

    await wait_until_async(lambda: _disconnected(sim, device["device_id"]), within=30, what="the page disconnected")
    await wait_until_async(lambda: page.url == "about:blank", within=30, what="the page on about:blank")
    assert worker.manager.sessions[sid] is session and session.page.page is page  # the worker did nothing
    assert (await sim.stats())["double_connections"] == 0


async def test_the_deadline_survives_the_pages_own_reload(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=0, heartbeat_interval_s=3600)
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990036")
    page = worker.manager.sessions[sid].page.page

    assert await page_deadline.push(page, int((time.time() + 8) * 1000))
    reloaded = await page.reload(wait_until="domcontentloaded")  # a new document, and no new push

    assert reloaded is not None and reloaded.url.startswith(sim.url)
    await wait_until_async(lambda: _disconnected(sim, device["device_id"]), within=60, what="the page disconnected")
    await wait_until_async(lambda: page.url == "about:blank", within=30, what="the page on about:blank")
