"""A scan accepted (PAIRING, so ``session_authenticated`` went out) that never becomes a link does not leave
the session authenticated: the phone unlinking the device before the page comes back ends it ``UNPAIRED``;
a page that never comes back CONNECTED fails ``PAGE_TIMEOUT`` once ``READY_TIMEOUT_S`` has passed since the
scan. The page holds PAIRING 3 s here, long enough for the phone to act first."""

import pytest

from tests.worker.conftest import session_id


@pytest.fixture
def sim_overrides():
    return {"pairing_delay": 3.0}


async def scanned(worker, receiver, sim, phone_number: str) -> tuple[str, dict]:
    sid = session_id()
    await worker.start_session(sid)
    qr_event = await receiver.wait_for_type(sid, "qr_code_generated")
    device = await sim.scan(qr_event.data["qr"], phone_number=phone_number)
    await receiver.wait_for_type(sid, "session_authenticated")
    return sid, device


async def test_the_phone_unlinking_the_device_before_the_page_comes_back_ends_it_unpaired(start_worker, receiver, sim):
    worker = await start_worker()
    sid, device = await scanned(worker, receiver, sim, "5511999990026")

    await sim.logout(device["device_id"])

    ended = await receiver.wait_for_type(sid, "session_disconnected")
    assert ended.data["reason"] == "UNPAIRED"
    assert not receiver.of(sid, "session_ready")
    assert worker.manager.get(sid).state == "DISCONNECTED"


async def test_a_page_that_never_comes_back_connected_fails_after_the_ready_timeout(start_worker, receiver, sim):
    worker = await start_worker(ready_timeout_s=6.0)  # more than the 3 s of PAIRING: only a page that never
    sid, device = await scanned(worker, receiver, sim, "5511999990027")  # connects runs out of it

    await sim.drop(device["device_id"])  # the phone refuses the device's connection from now on

    failed = await receiver.wait_for_type(sid, "session_error", within=60)
    assert failed.data["reason"] == "PAGE_TIMEOUT"
    assert "connect and sync within 6 s" in failed.data["detail"]
    assert not receiver.of(sid, "session_ready")
    assert worker.manager.get(sid).state == "FAILED"
