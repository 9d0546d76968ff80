"""A worker stops driving a session the backend says it no longer holds: one missing from its heartbeat's
leases (it moved while this worker was away), or one whose event is refused 409 stale_epoch. Its local auth is
wiped (the backend's copy is the truth) and it is not started again."""

from shared.events import SessionState
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


def lease_answer(leases):
    def backend(event):
        if event.type != "worker_heartbeat":
            return None
        return 200, {"status": "applied", "lease_ttl_s": 30, "leases": dict(leases)}

    return backend


async def test_a_session_missing_from_the_leases_is_stopped(start_worker, receiver):
    sid = session_id()
    leases = {sid: {"epoch": 1, "workspace_id": "1", "expires_in_ms": 30_000}}
    receiver.answer = lease_answer(leases)
    worker = await start_worker(heartbeat_interval_s=0.3)
    await worker.start_session(sid, epoch=1, lease_expires_in_ms=30_000)
    await receiver.wait_for_type(sid, "qr_code_generated")
    session = worker.manager.sessions[sid]

    leases.clear()  # it moved to another worker
    await wait_until_async(lambda: session.state is SessionState.STOPPED, within=20, what="the session stopped")
    # Forgotten last, once its page is closed and its local auth wiped.
    await wait_until_async(lambda: sid not in worker.manager.sessions, within=20, what="the session forgotten")
    assert not worker.manager.host.session_dir(sid).exists()
    assert receiver.of(sid, "session_disconnected") == []  # it says nothing: the move is the backend's


async def test_an_event_refused_as_stale_epoch_stops_the_session(start_worker, receiver):
    sid = session_id()
    receiver.answer = lambda e: (
        (409, {"error": "stale_epoch", "detail": "epoch 1 is not the session's lease"}) if e.session_id == sid else None
    )
    worker = await start_worker()
    await worker.start_session(sid, epoch=1)
    session = worker.manager.sessions[sid]
    await wait_until_async(lambda: session.state is SessionState.STOPPED, within=20, what="the session fenced")
    assert sid not in {s for s, v in worker.manager.states().items() if v["state"] != "STOPPED"}
