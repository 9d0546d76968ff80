"""The warm page pool opens no page while a session is opening from its kept auth (restored at the worker's
start, or moved here): their page loads share the cores. At the worker's start it opens none before the backend's
first heartbeat answer has said what to restore. Once the restored sessions are ready, the pool fills."""

from session_worker.keys import WARM_PAGES
from shared.events import SessionState
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def test_no_warm_page_opens_before_the_restored_sessions_are_ready(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=0)
    linked = [session_id() for _ in range(2)]
    for index, sid in enumerate(linked):
        await link(worker, sim, receiver, sid, f"551199999004{index}")
    await worker.stop()

    again = await start_worker(warm_pages_min=2, warm_pages_max=2)
    pool = again.app[WARM_PAGES]
    checked_while_restoring = []

    def restored_with_no_page_opened_meanwhile() -> bool:
        """Checked at each poll, on the worker's own loop: until both are ready, no pool page exists."""
        sessions = [again.manager.sessions.get(sid) for sid in linked]
        if None not in sessions and all(session.state is SessionState.READY for session in sessions):
            return True
        assert not pool._pages, "a pool page opened before or during the restore"
        checked_while_restoring.append(None not in sessions)
        return False

    await wait_until_async(restored_with_no_page_opened_meanwhile, within=120, what="both restored", every=0.02)
    await wait_until_async(lambda: pool.counts()["ready"] == pool.size, within=60, what="a full pool")
    assert any(checked_while_restoring), "never saw the restore under way"
