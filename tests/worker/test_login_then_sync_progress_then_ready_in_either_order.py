"""A scan, and a restore after a restart of the worker, each report ``session_authenticated``, then the history
sync's progress (``session_sync_progress``, rising), then ``session_ready`` with the phone number, whichever
order the page goes in: the real one (CONNECTED, then the sync, then ``hasSynced``) or the old one the
simulator gives with its test-only ``connected_after_sync`` (the sync and ``hasSynced``, then CONNECTED)."""

import pytest

from tests.worker.conftest import link, session_id

ORDERS = {
    "connected_then_sync": {},
    "sync_then_connected": {"connected_after_sync": True},
}
SYNC = [0, 25, 50, 75, 100]  # the simulator's steps of the history sync


@pytest.fixture(params=list(ORDERS))
def sim_overrides(request):
    return {"sync_delay": 0.4, **ORDERS[request.param]}


def linking_events(events) -> list[tuple[str, object]]:
    """What a session reported from its login on: the types, with the sync's percent."""
    return [(e.type, e.data.get("percent")) for e in events if e.type not in ("qr_code_generated", "session_booted")]


def assert_login_then_sync_then_ready(events) -> None:
    """Authenticated, then the sync's progress rising to 100 in the simulator's steps, then ready. The page's
    script hooks the sync after the page's reload, so on a busy machine the first step can come before it
    (docs/worker.md): at least the last steps are reported, never out of order."""
    kinds = linking_events(events)
    assert kinds[0] == ("session_authenticated", None), kinds
    assert kinds[-1] == ("session_ready", None), kinds
    assert {kind for kind, _ in kinds[1:-1]} == {"session_sync_progress"}, kinds
    progress = [percent for _, percent in kinds[1:-1]]
    assert progress == SYNC[-len(progress) :], kinds
    assert len(progress) >= 2, kinds


async def test_a_scan_reports_authenticated_then_the_sync_progress_then_ready(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()

    await link(worker, sim, receiver, sid, "5511999990023")

    assert_login_then_sync_then_ready(receiver.of(sid))
    assert receiver.of(sid, "session_ready")[0].data["phone_number"] == "5511999990023"
    status, view = await worker.call("GET", f"/sessions/{sid}")
    assert status == 200
    assert [h["state"] for h in view["history"]] == ["STARTING", "SCAN_QR_CODE", "AUTHENTICATED", "READY"]


async def test_a_restore_reports_authenticated_then_the_sync_progress_then_ready(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990024")
    await worker.stop()
    before = len(receiver.of(sid))

    again = await start_worker()
    await receiver.wait_for(lambda e: e.session_id == sid and e.type == "session_ready", after=len(receiver.events))

    assert_login_then_sync_then_ready(receiver.of(sid)[before:])
    assert not receiver.of(sid, "qr_code_generated")[1:]
    assert again.manager.get(sid).state == "READY"
