"""A restarted worker runs what its leases say, and only that: a linked session whose lease the backend still
lists comes back ready, with no new QR; one it no longer lists stays off, and its auth on disk is wiped."""

import logging

from shared.events import SessionState
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


def heartbeats_of(receiver, worker) -> int:
    return sum(1 for e in receiver.events if e.type == "worker_heartbeat" and e.data["base_url"] == worker.url)


async def test_a_restarted_worker_restores_the_linked_session_without_a_qr(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990002")
    qrs_before = len(receiver.of(sid, "qr_code_generated"))
    ready_before = receiver.of(sid, "session_ready")[-1]
    await worker.stop()

    again = await start_worker()  # its first heartbeat's answer lists the session's lease
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


async def test_a_restarted_worker_starts_nothing_its_leases_do_not_list(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990017")
    await worker.stop()
    receiver.revoke(sid)  # it moved to another worker while this one was away

    again = await start_worker(heartbeat_interval_s=0.2)
    # The second heartbeat leaves only once the first one's answer has been applied.
    await wait_until_async(lambda: heartbeats_of(receiver, again) >= 2, within=30, what="two heartbeats")

    assert sid not in again.manager.sessions  # its lease is elsewhere: it is not run here...
    assert not again.manager.host.has_auth(sid)  # ...and its credentials are not kept here


async def test_an_answer_without_leases_is_logged_and_changes_nothing(start_worker, receiver, caplog):
    receiver.answer = lambda e: (200, {"status": "applied"}) if e.type == "worker_heartbeat" else None
    worker = await start_worker(heartbeat_interval_s=0.2, warm_pages_max=0)
    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "qr_code_generated")
    seen = heartbeats_of(receiver, worker)

    with caplog.at_level(logging.ERROR, logger="session_worker.leases"):
        await wait_until_async(lambda: heartbeats_of(receiver, worker) >= seen + 2, within=30, what="two heartbeats")

    assert worker.manager.get(sid).state is SessionState.SCAN_QR_CODE  # not released as "moved away"
    assert not worker.manager.leases.answered
    assert any(r.getMessage() == "heartbeat answer without valid leases, ignored" for r in caplog.records)
