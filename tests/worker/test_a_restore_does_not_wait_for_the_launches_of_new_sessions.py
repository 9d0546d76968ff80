"""A session opening from its kept auth shows no QR: it does not queue behind the context launches of new
sessions (MAX_CONCURRENT_LAUNCHES), only behind its own bound (MAX_CONCURRENT_RESTORES)."""

from tests.worker.conftest import link, session_id


async def test_a_linked_session_opens_while_every_launch_slot_is_taken(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=0, max_concurrent_launches=1)
    linked = session_id()
    await link(worker, sim, receiver, linked, "5511999990031")
    ready_before = receiver.of(linked, "session_ready")[-1]
    status, _ = await worker.call("DELETE", f"/sessions/{linked}")  # stopped, its auth kept
    assert status == 200

    launches = worker.manager.host.launches
    await launches.acquire()  # the only launch slot, as a burst of new sessions would hold it
    try:
        fresh = session_id()
        await worker.start_session(fresh)
        await worker.start_session(linked)
        restored = await receiver.wait_for(
            lambda e: e.session_id == linked and e.type == "session_ready" and e.sequence > ready_before.sequence,
            within=90,
        )
        assert not receiver.of(fresh, "qr_code_generated")  # the new session still waits for a launch slot
    finally:
        launches.release()

    assert restored.data["phone_number"] == "5511999990031"
    await receiver.wait_for_type(fresh, "qr_code_generated", within=90)
