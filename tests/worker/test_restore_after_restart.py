"""A linked session survives a restart of the worker: it comes back ready, with no new QR."""

from tests.worker.conftest import link, session_id


async def test_a_restarted_worker_restores_the_linked_session_without_a_qr(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990002")
    qrs_before = len(receiver.of(sid, "qr_code_generated"))
    ready_before = receiver.of(sid, "session_ready")[-1]
    await worker.stop()

    again = await start_worker()
    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > ready_before.sequence
    )

    assert restored.data["phone_number"] == "5511999990002"
    assert len(receiver.of(sid, "qr_code_generated")) == qrs_before
    assert again.manager.get(sid).state == "READY"


async def test_a_session_logged_out_while_the_worker_was_down_is_reported_unpaired(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990014")
    await worker.stop()
    await sim.logout(device["device_id"])

    again = await start_worker()

    ended = await receiver.wait_for_type(sid, "session_disconnected")
    assert ended.data["reason"] == "UNPAIRED"
    assert not again.manager.host.has_auth(sid)
    assert not receiver.of(sid, "qr_code_generated")[1:]
