"""Warm pages belong to no session: they show in /health, never count against MAX_SESSIONS, and send no
events."""

from session_worker.keys import WARM_PAGES
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


async def test_warm_pages_count_in_health_but_not_against_max_sessions(start_worker, receiver):
    worker = await start_worker(warm_pages_min=2, warm_pages_max=2, max_sessions=1)
    pool = worker.app[WARM_PAGES]
    await wait_until_async(lambda: pool.counts()["ready"] == pool.size, within=60, what="a full pool")

    status, health = await worker.call("GET", "/health")
    assert status == 200
    assert health["sessions"] == 0 and health["free"] == 1
    assert health["warm_pages"] == {"size": pool.size, "ready": pool.size, "warming": 0}
    assert [e.type for e in receiver.events if e.session_id] == []  # the pool's pages sent nothing

    first = session_id()
    await worker.start_session(first)
    status, refused = await worker.call("POST", "/sessions", {"session_id": session_id(), "workspace_id": "1"})
    assert status == 503 and refused["error"] == "capacity"
    await receiver.wait_for_type(first, "qr_code_generated")
    assert {e.session_id for e in receiver.events if e.session_id} == {first}
