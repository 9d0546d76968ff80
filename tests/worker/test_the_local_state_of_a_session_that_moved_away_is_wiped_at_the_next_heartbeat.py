"""A worker keeps the credentials only of the sessions it holds: at each heartbeat's answer it wipes the local auth
of every session that answer does not list and that does not run here. Here a worker cut off from the backend
fences its session (LEASE_EXPIRED, auth kept: the lease may still be its own), the session moves to another worker
meanwhile, and the first answer once the backend is back no longer lists it: its auth is wiped from this disk."""

from session_worker.browser import STATE_FILE
from shared.events import SessionState
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def test_a_fenced_session_that_moved_meanwhile_leaves_no_credentials_behind(start_worker, receiver, sim):
    receiver.lease_ttl_s = 4
    worker = await start_worker(warm_pages_max=0, heartbeat_interval_s=0.3, lease_safety_margin_s=2.0)
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990037")
    state = worker.manager.host.session_dir(sid) / STATE_FILE
    session = worker.manager.sessions[sid]

    receiver.fail_with, receiver.fail_when = 503, lambda e: e.type == "worker_heartbeat"  # cut off
    await wait_until_async(lambda: session.state is SessionState.STOPPED, within=30, what="the session fenced")
    fenced = await receiver.wait_for_type(sid, "session_disconnected")  # reported before it moves (the revoke
    assert fenced.data["reason"] == "LEASE_EXPIRED"  # below must come after the last word of its old holder)
    assert state.is_file()  # fenced, not released: its lease may still be its own
    receiver.revoke(sid)  # it moved to another worker meanwhile
    receiver.fail_with = None  # the backend is back

    # The whole folder goes (its files first: the state alone gone is not yet the end of the wipe).
    folder = worker.manager.host.session_dir(sid)
    await wait_until_async(lambda: not folder.exists(), within=30, what="the moved session's auth wiped")
    assert not state.exists()
    assert sid not in worker.manager.sessions
