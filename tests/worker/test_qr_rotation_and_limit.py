"""Each QR rotation is reported; when the page gives up (UNPAIRED_IDLE) the session reports QR_EXPIRED,
stops and frees its browser context."""

import pytest

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


@pytest.fixture
def sim_overrides():
    return {"first_qr_lifetime": 0.6, "next_qr_lifetime": 0.4, "qr_count": 3}


async def test_rotations_are_reported_then_the_qr_limit_ends_the_session(start_worker, receiver):
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)

    ended = await receiver.wait_for_type(sid, "session_disconnected")

    qr_events = receiver.of(sid, "qr_code_generated")
    assert [e.data["qr_count"] for e in qr_events] == [1, 2, 3]
    assert len({e.data["qr"] for e in qr_events}) == 3
    assert ended.data["reason"] == "QR_EXPIRED"
    assert ended.sequence > qr_events[-1].sequence
    session = worker.manager.get(sid)
    assert session.state == "DISCONNECTED" and session.page is None  # its context closed
    status, health = await worker.call("GET", "/health")
    assert status == 200 and health["sessions"] == 0


async def test_a_session_ended_by_the_qr_limit_is_not_restored(start_worker, receiver):
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "session_disconnected")
    await worker.stop()

    again = await start_worker()

    await wait_until_async(lambda: again.manager is not None)
    assert sid not in again.manager.sessions
