"""Fencing: a worker cut off from the backend stops each session before the backend's lease on it would expire
(measured from the last heartbeat the backend answered); its events carry its epoch, and its end says why
(LEASE_EXPIRED) once the backend can be reached."""

import time

from shared.events import SessionState
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id

TTL_S = 4


async def test_it_stops_the_session_within_the_lease_and_keeps_its_auth(start_worker, receiver):
    sid = session_id()
    renewed_at: list[float] = []  # wall-clock arrival of each heartbeat answered with the lease

    def backend(event):
        if event.type != "worker_heartbeat":
            return None
        renewed_at.append(time.time())
        lease = {"epoch": 4, "workspace_id": "1", "expires_in_ms": TTL_S * 1000}
        return 200, {"status": "applied", "lease_ttl_s": TTL_S, "leases": {sid: lease}}

    receiver.answer = backend
    worker = await start_worker(heartbeat_interval_s=0.3, lease_safety_margin_s=2.0)
    await worker.start_session(sid, epoch=4, lease_expires_in_ms=TTL_S * 1000)
    qr = await receiver.wait_for_type(sid, "qr_code_generated")
    assert qr.epoch == 4
    await wait_until_async(lambda: len(renewed_at) >= 3, within=30, what="three renewals")

    receiver.fail_with, receiver.fail_when = 503, lambda e: e.type == "worker_heartbeat"  # the partition
    session = worker.manager.sessions[sid]
    await wait_until_async(lambda: session.state is SessionState.STOPPED, within=TTL_S * 5, what="the session fenced")
    stopped_at = time.time()

    # The backend's lease ran TTL_S from its last renewal (its arrival); the page was closed before that.
    assert stopped_at < renewed_at[-1] + TTL_S, stopped_at - renewed_at[-1]
    assert session.history[-1]["state"] == "STOPPED"
    receiver.fail_with = None
    ended = await receiver.wait_for_type(sid, "session_disconnected")
    assert (ended.data["reason"], ended.epoch) == ("LEASE_EXPIRED", 4)
