"""A killed renderer, or a dead browser, is reported and the session comes back from its kept auth."""

import contextlib

from playwright.async_api import Error as PlaywrightError

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def test_a_killed_renderer_is_reported_and_the_session_restarts_ready(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990005")
    ready_before = receiver.of(sid, "session_ready")[-1]
    page = worker.manager.get(sid).page.page  # the session's Playwright page

    with contextlib.suppress(PlaywrightError):
        await page.goto("chrome://crash", timeout=5000)

    crashed = await receiver.wait_for(lambda e: e.session_id == sid and e.type == "session_disconnected")
    assert crashed.data["reason"] == "BROWSER_CRASHED"
    ready = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > crashed.sequence
    )
    assert ready.data["phone_number"] == "5511999990005" and ready.sequence > ready_before.sequence
    assert not [e for e in receiver.of(sid, "qr_code_generated") if e.sequence > ready_before.sequence]


async def test_a_dead_browser_is_reported_and_its_sessions_restart(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990006")
    browser = worker.manager.host.browser

    with contextlib.suppress(PlaywrightError):
        await browser.close()  # as if Chromium had died: the worker did not ask for it

    crashed = await receiver.wait_for(lambda e: e.session_id == sid and e.type == "session_disconnected")
    assert crashed.data["reason"] == "BROWSER_CRASHED"
    ready = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > crashed.sequence
    )
    assert ready.data["phone_number"] == "5511999990006"
    assert worker.manager.host.browser is not browser and worker.manager.host.ready


async def test_a_session_that_keeps_crashing_ends_failed(start_worker, receiver):
    worker = await start_worker(crash_restart_limit=0)
    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "qr_code_generated")

    with contextlib.suppress(PlaywrightError):
        await worker.manager.get(sid).page.page.goto("chrome://crash", timeout=5000)

    error = await receiver.wait_for_type(sid, "session_error")
    assert error.data["reason"] == "CRASH_LOOP"
    assert [e.type for e in receiver.of(sid)][-2:] == ["session_disconnected", "session_error"]
    assert worker.manager.get(sid).state == "FAILED"


async def test_health_is_ready_again_after_the_browser_dies_with_no_session(start_worker):
    worker = await start_worker()
    browser = worker.manager.host.browser

    await browser.close()

    await wait_until_async(lambda: worker.manager.host.ready and worker.manager.host.browser is not browser)
    status, health = await worker.call("GET", "/health")
    assert status == 200 and health["ready"] is True


async def test_a_page_that_never_settles_ends_with_a_clear_session_error(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990015")
    await worker.stop()
    await sim.drop(device["device_id"])  # the restored page will retry its connection forever

    again = await start_worker(ready_timeout_s=0.5)

    error = await receiver.wait_for_type(sid, "session_error")
    assert error.data["reason"] == "PAGE_TIMEOUT" and "a QR or a login" in error.data["detail"]
    assert again.manager.get(sid).state == "FAILED" and again.manager.get(sid).page is None
