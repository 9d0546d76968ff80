"""A planned stop is not a crash: SIGTERM to the worker's whole process group (what supervisord's ``stopasgroup``
does: Playwright's driver gets it too, and takes the browser down under the sessions) or SIGINT to it (Ctrl-C in
a terminal) stops the worker cleanly (exit 0) without reporting its sessions: no ``BROWSER_CRASHED``, no event at
all (the backend keeps them connected). The restarted worker restores them from its leases, with no QR."""

import signal

import pytest

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id
from tests.worker.worker_process import worker_processes


@pytest.fixture
async def worker_process(receiver, sim, tmp_path):
    processes = worker_processes(receiver=receiver, sim_url=sim.url, directory=tmp_path, worker_id="worker-stop")
    async with processes as start:
        yield start


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_nothing_is_reported_and_the_restart_restores_the_session_without_a_qr(
    worker_process, receiver, sim, sig
):
    worker = await worker_process()
    sid = session_id()
    receiver.grant(sid, worker_id="worker-stop")
    status, _ = await worker.call("POST", "/sessions", f'{{"session_id": "{sid}", "workspace_id": "1"}}'.encode())
    assert status in (200, 201)  # 200: the heartbeat's answer, which lists the lease too, started it first
    qr = await receiver.wait_for_type(sid, "qr_code_generated")
    await sim.scan(qr.data["qr"], phone_number="5511999990038")
    ready = await receiver.wait_for_type(sid, "session_ready", within=30)
    before = len(receiver.of(sid))

    assert await worker.kill_group(sig) == 0

    assert receiver.of(sid)[before:] == []  # nothing said of the stop
    await worker_process()
    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > ready.sequence, within=60
    )
    restoring = {"session_booted", "session_authenticated", "session_sync_progress", "session_ready"}
    assert {e.type for e in receiver.of(sid)[before:]} <= restoring  # no BROWSER_CRASHED, sent late or otherwise
    assert restored.data["phone_number"] == "5511999990038"
    assert len(receiver.of(sid, "qr_code_generated")) == 1
    assert receiver.of(sid, "session_disconnected") == []


async def test_the_browser_going_away_during_a_planned_stop_is_not_reported(start_worker, receiver, sim):
    """The race itself, in one process: the stop has begun (what the signal's own callback does first) when the
    browser goes away under the sessions (Playwright's driver took the signal too), before the app's cleanup has
    stopped their tasks. Outside a stop the same loss is BROWSER_CRASHED (test_crash_recovery.py)."""
    worker = await start_worker(warm_pages_max=0)
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990039")
    task = worker.manager._tasks[sid]  # the session's task: it must end without a word
    before = len(receiver.of(sid))

    worker.manager.begin_stop()
    await worker.manager.host.browser.close()  # the browser goes away under the session
    await wait_until_async(task.done, within=30, what="the session's task ended")

    assert task.exception() is None
    assert await worker.manager.store.outbox_depth() == 0  # nothing queued to be sent later either
    assert receiver.of(sid)[before:] == []
