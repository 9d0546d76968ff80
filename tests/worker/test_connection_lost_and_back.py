"""A ready session whose connection is cut (longer than the grace) reports CONNECTION_LOST, keeps its page,
and is ready again, with the same phone number, when the connection comes back."""

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def test_a_cut_connection_is_reported_and_recovered(start_worker, receiver, sim):
    worker = await start_worker(connection_grace_s=0.3)
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990013")
    ready_before = receiver.of(sid, "session_ready")[-1]

    await sim.drop(device["device_id"])
    lost = await receiver.wait_for_type(sid, "session_disconnected")
    assert lost.data["reason"] == "CONNECTION_LOST"
    assert worker.manager.get(sid).page is not None
    await sim.restore(device["device_id"])

    back = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > lost.sequence
    )
    assert back.data["phone_number"] == "5511999990013" and back.sequence > ready_before.sequence
    await wait_until_async(lambda: worker.manager.get(sid).state == "READY")
