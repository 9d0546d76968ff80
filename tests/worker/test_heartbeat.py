"""The worker announces itself at start and then every HEARTBEAT_INTERVAL_S with its sessions' states and the
lease epoch each runs under."""

from tests.worker.conftest import session_id


async def test_heartbeats_carry_the_base_url_capacity_and_session_states(start_worker, receiver):
    worker = await start_worker(heartbeat_interval_s=0.2, max_sessions=5)

    first = await receiver.wait_for(lambda e: e.type == "worker_heartbeat")
    assert first.session_id == "" and first.data["base_url"] == worker.url
    assert first.data["capacity"] == 5 and first.data["sessions"] == {}

    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "qr_code_generated")
    later = await receiver.wait_for(
        lambda e: e.type == "worker_heartbeat" and e.data["sessions"].get(sid) == {"state": "SCAN_QR_CODE", "epoch": 0}
    )
    assert later.data["capacity"] == 5  # the total: the backend counts what it assigned
    assert later.sequence > first.sequence
