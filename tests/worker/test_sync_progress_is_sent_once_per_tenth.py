"""The history sync's progress does not flood the outbox: however often the page reports it, the worker sends
it only when it enters a new tenth (at most 11 events per sync), never backwards, never after ``ready``."""

import pytest

from tests.worker.conftest import session_id

# Every percent from 1 to 100, then all of them again, as a page that reports each step would.
EVERY_PERCENT_TWICE = """
() => {
  const page = window.__simulator.page;
  const Cmd = window.require("WAWebCmd").Cmd;
  for (const round of [1, 2]) {
    for (let percent = round; percent <= 100; percent++) {
      page.offlineProgress = percent;
      Cmd.trigger("offline_progress_update_from_bridge");
    }
  }
}
"""
SYNC_DONE = """
() => {
  window.__simulator.page.synced = true;
  window.require("WAWebSocketModel").Socket.set("hasSynced", true);
}
"""


@pytest.fixture
def sim_overrides():
    return {"sync_delay": 600.0}  # the page's own sync stays at 0 %: the test reports the rest


async def test_a_page_reporting_every_percent_sends_one_event_per_tenth(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)
    qr_event = await receiver.wait_for_type(sid, "qr_code_generated")
    device = await sim.scan(qr_event.data["qr"], phone_number="5511999990025")
    await receiver.wait_for_type(sid, "session_sync_progress")
    page = worker.manager.get(sid).page.page

    await page.evaluate(EVERY_PERCENT_TWICE)
    await page.evaluate(SYNC_DONE)  # the page's reports are handled in order: ready comes after all of them
    await receiver.wait_for_type(sid, "session_ready")
    await page.evaluate(EVERY_PERCENT_TWICE)  # after ready: nothing more
    await sim.logout(device["device_id"])  # reported after those, in the page's order
    await receiver.wait_for_type(sid, "session_disconnected")

    assert [e.data["percent"] for e in receiver.of(sid, "session_sync_progress")] == list(range(0, 101, 10))
    assert [e.type for e in receiver.of(sid)][-2:] == ["session_ready", "session_disconnected"]
