"""While the backend is down nothing is lost; when it comes back the queue drains, in order, each event once."""

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


async def test_events_queued_during_an_outage_are_delivered_once_in_order(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    receiver.fail_with = 503
    receiver.fail_when = lambda event: event.session_id == sid
    await worker.start_session(sid)
    await wait_until_async(lambda: worker.manager.get(sid).qr is not None)  # the worker has read it (and queued it)
    await sim.scan(worker.manager.get(sid).qr, phone_number="5511999990007")
    await wait_until_async(lambda: worker.manager.get(sid).state == "READY")
    await wait_until_async(lambda: len(receiver.refused) >= 3)  # it kept retrying
    assert receiver.of(sid) == []

    receiver.fail_with = None

    await receiver.wait_for_type(sid, "session_ready")
    delivered = receiver.of(sid)
    assert [e.type for e in delivered if e.type not in ("session_sync_progress", "session_booted")] == [
        "qr_code_generated",
        "session_authenticated",
        "session_ready",
    ]
    assert [e.sequence for e in delivered] == sorted(e.sequence for e in delivered)
    assert len({e.id for e in delivered}) == len(delivered)
    refused_ids = {e.id for e in receiver.refused}
    assert delivered[0].id in refused_ids  # the same event, same id, retried


async def test_retry_after_is_honoured(start_worker, receiver):
    worker = await start_worker(webhook_retry_max_s=5.0)
    sid = session_id()
    receiver.fail_with, receiver.retry_after = 429, "1"
    receiver.fail_when = lambda event: event.session_id == sid
    await worker.start_session(sid)
    await wait_until_async(lambda: len(receiver.refused) >= 2, within=30, what="the QR event refused twice")

    gap = receiver.refused_at[1] - receiver.refused_at[0]

    assert gap >= 0.9  # as the backend asked, not the 0.05 s base backoff
    assert receiver.refused[0].id == receiver.refused[1].id
