"""The worker reports the login as soon as the page shows it: ``session_authenticated`` comes while the page
still shows PAIRING (the scan accepted), before it reloads, connects and syncs its history. Here the page
holds PAIRING for a minute, so only a worker that reports PAIRING itself sees the event in time."""

import pytest

from tests.worker.conftest import session_id


@pytest.fixture
def sim_overrides():
    return {"pairing_delay": 60.0}


async def test_it_reports_authenticated_while_the_page_still_shows_pairing(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)
    qr_event = await receiver.wait_for_type(sid, "qr_code_generated")

    await sim.scan(qr_event.data["qr"], phone_number="5511999990021", pushname="Ana")
    await receiver.wait_for_type(sid, "session_authenticated")

    page = worker.manager.get(sid).page
    assert page is not None and page.page is not None
    assert await page.page.evaluate("window.require('WAWebSocketModel').Socket.state") == "PAIRING"
    status, view = await worker.call("GET", f"/sessions/{sid}")
    assert status == 200 and view["state"] == "AUTHENTICATED" and view["qr"] is None
    types = [e.type for e in receiver.of(sid) if e.type != "session_booted"]
    assert types == ["qr_code_generated", "session_authenticated"]
