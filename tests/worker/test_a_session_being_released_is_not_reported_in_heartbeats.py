"""A session being released (a drain moves it) is not in the heartbeat's report (``SessionManager.states``)
while it is let go: its STOPPED, read by the backend after the move committed, would disconnect it on its new
worker. Once released it is forgotten; before, it is reported as it runs."""

from tests.worker.conftest import link, session_id


async def test_the_heartbeat_does_not_report_a_session_while_it_is_released(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=0)
    manager = worker.manager
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990051")
    assert manager.states()[sid]["state"] == "READY"

    reported_while_releasing = []
    upload = manager.auth_store.upload

    async def upload_and_look(session_id: str, epoch: int) -> bool:
        """The final auth state is stored mid-release: what would a heartbeat report now?"""
        reported_while_releasing.append(manager.states())
        return await upload(session_id, epoch)

    manager.auth_store.upload = upload_and_look
    status, _ = await worker.call("POST", f"/sessions/{sid}/release", {"epoch": 0})

    assert status == 200
    assert reported_while_releasing and all(sid not in report for report in reported_while_releasing)
    assert sid not in manager.states()
