"""A worker remembers the highest lease epoch it has seen of each session, on disk, and refuses anything older:
a start command of an older epoch is answered 409 ``stale_epoch``, and a lease of an older epoch in a heartbeat's
answer is ignored (logged), also after the worker restarted (a command or an answer from before a newer grant,
late, must not bring the session back here)."""

import logging

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


def heartbeats(receiver) -> int:
    return sum(1 for e in receiver.events if e.type == "worker_heartbeat")


async def start(worker, sid: str, epoch: int) -> tuple[int, dict]:
    return await worker.call("POST", "/sessions", {"session_id": sid, "workspace_id": "1", "epoch": epoch})


async def test_an_older_start_is_refused_before_and_after_a_restart(start_worker, receiver, caplog):
    worker = await start_worker(warm_pages_max=0, heartbeat_interval_s=0.3)
    sid = session_id()
    await worker.start_session(sid, epoch=5)

    status, body = await start(worker, sid, 4)
    assert (status, body["error"]) == (409, "stale_epoch")
    await worker.stop()
    receiver.grant(sid, worker_id=worker.settings.worker_id, epoch=3)  # a late answer, from before epoch 5

    with caplog.at_level(logging.WARNING, logger="session_worker.leases"):
        again = await start_worker(warm_pages_max=0, heartbeat_interval_s=0.3)
        seen = heartbeats(receiver)
        await wait_until_async(lambda: heartbeats(receiver) >= seen + 2, within=30, what="two heartbeats")

    assert sid not in again.manager.sessions  # the lease of epoch 3 was ignored
    assert any(r.getMessage() == "lease ignored" and r.session_id == sid for r in caplog.records)
    status, body = await start(again, sid, 4)
    assert (status, body["error"]) == (409, "stale_epoch")
    status, body = await start(again, sid, 5)  # the lease it last saw, or a newer one, runs
    assert status == 201 and body["epoch"] == 5
