"""``kill -9`` of the worker's whole process group (worker, Playwright's driver, Chromium) loses nothing:
the default layout restores the linked session without a QR, and events still in the outbox are delivered."""

import signal

import pytest

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id
from tests.worker.worker_process import WorkerProcess, worker_processes


@pytest.fixture
async def worker_process(receiver, sim, tmp_path):
    processes = worker_processes(receiver=receiver, sim_url=sim.url, directory=tmp_path, worker_id="worker-kill")
    async with processes as start:
        yield start


async def _link(worker: WorkerProcess, sim, receiver, sid: str, phone_number: str) -> None:
    status, _ = await worker.call("POST", "/sessions", f'{{"session_id": "{sid}", "workspace_id": "1"}}'.encode())
    assert status == 201
    # Scan the QR the worker reported (the one the backend would show), as a person would: not the one the
    # simulator lists, which a scan could take before the worker has read it.
    qr = (await receiver.wait_for_type(sid, "qr_code_generated")).data["qr"]
    await sim.scan(qr, phone_number=phone_number)

    async def ready() -> bool:
        return (await worker.call("GET", f"/sessions/{sid}"))[1]["state"] == "READY"

    await wait_until_async(ready, within=20)


async def test_a_linked_session_survives_kill_9_of_the_whole_worker(worker_process, receiver, sim):
    worker = await worker_process()
    sid = session_id()
    await _link(worker, sim, receiver, sid, "5511999990010")
    first_ready = await receiver.wait_for_type(sid, "session_ready")

    await worker.kill_group()  # at once, while Chromium may not have flushed anything
    await worker_process()

    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > first_ready.sequence, within=30
    )
    assert restored.data["phone_number"] == "5511999990010"
    assert len(receiver.of(sid, "qr_code_generated")) == 1


async def test_sigterm_to_the_whole_group_stops_cleanly_and_keeps_the_session(worker_process, receiver, sim):
    worker = await worker_process()
    sid = session_id()
    await _link(worker, sim, receiver, sid, "5511999990016")
    first_ready = await receiver.wait_for_type(sid, "session_ready")

    returncode = await worker.kill_group(signal.SIGTERM)  # as supervisord's stopasgroup does: the driver too

    assert returncode == 0
    await worker_process()
    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > first_ready.sequence, within=30
    )
    assert restored.data["phone_number"] == "5511999990016"
    assert len(receiver.of(sid, "qr_code_generated")) == 1


async def test_events_in_the_outbox_survive_kill_9(worker_process, receiver, sim):
    worker = await worker_process()
    sid = session_id()
    receiver.fail_with = 503
    receiver.fail_when = lambda event: event.session_id == sid and event.type == "session_ready"
    await _link(worker, sim, receiver, sid, "5511999990011")
    await wait_until_async(lambda: receiver.refused)

    await worker.kill_group()
    receiver.fail_with = None
    await worker_process()

    await wait_until_async(lambda: len(receiver.of(sid, "session_ready")) >= 2, within=30)
    ready = receiver.of(sid, "session_ready")
    assert ready[0].id == receiver.refused[0].id  # the very event that was queued before the kill
    assert ready[0].sequence < ready[1].sequence
    sequences = [e.sequence for e in receiver.of(sid)]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
