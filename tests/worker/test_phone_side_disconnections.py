"""Logout from the phone and a conflict are detected and reported with their reason."""

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def test_logout_from_the_phone_reports_logout_and_wipes_the_auth(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990003")
    host = worker.manager.host
    assert host.has_auth(sid)

    await sim.logout(device["device_id"])

    ended = await receiver.wait_for_type(sid, "session_disconnected")
    assert ended.data["reason"] == "LOGOUT"
    assert worker.manager.get(sid).state == "DISCONNECTED"
    await wait_until_async(lambda: not host.session_dir(sid).exists())
    assert (await worker.manager.store.session_get(sid)).desired == "logged_out"


async def test_a_conflict_is_reported(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990004")

    await sim.conflict(device["device_id"])

    ended = await receiver.wait_for_type(sid, "session_disconnected")
    assert ended.data["reason"] == "CONFLICT"
    assert worker.manager.get(sid).state == "DISCONNECTED"
