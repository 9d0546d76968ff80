"""A 4xx other than 408/429 is final: the event is marked dead, logged loudly, and the next one goes out."""

import logging

import aiohttp

from session_worker.backend_auth import BackendStatus
from session_worker.delivery import Delivery, backoff_s, retry_after_s
from session_worker.metrics import Metrics
from session_worker.store import Store
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import worker_settings

WORKER = "worker-test"  # the events' worker: the one whose key signs them


async def test_a_rejected_event_is_dead_and_the_next_one_is_delivered(receiver, tmp_path, caplog):
    settings = worker_settings(receiver=receiver, sim_url="http://127.0.0.1:9", data_dir=tmp_path)
    store = Store(tmp_path / "outbox.sqlite3")
    await store.open()
    http = aiohttp.ClientSession()
    delivery = Delivery(settings=settings, store=store, http=http, metrics=Metrics.create(), backend=BackendStatus())
    receiver.fail_with = 422
    receiver.fail_when = lambda event: event.type == "session_error"
    try:
        first = await store.event_enqueue(
            type="session_error",
            session_id="wa_a",
            workspace_id="1",
            worker_id=WORKER,
            data={"reason": "X", "detail": ""},
        )
        second = await store.event_enqueue(
            type="session_authenticated", session_id="wa_a", workspace_id="1", worker_id=WORKER, data={}
        )
        with caplog.at_level(logging.ERROR, logger="session_worker.delivery"):
            delivery.wake("wa_a")
            delivered = await receiver.wait_for(lambda e: e.id == second.id, within=30)
        assert delivered.sequence == first.sequence + 1
        assert [e.id for e in receiver.refused] == [first.id]
        assert "WEBHOOK REJECTED" in caplog.text
        assert await wait_until_async(lambda: _drained(store))
    finally:
        await delivery.close()
        await http.close()
        await store.close()


async def _drained(store: Store) -> bool:
    return await store.outbox_depth() == 0


def test_backoff_grows_and_is_capped():
    assert 0.05 <= backoff_s(attempts=0, base_s=0.1, max_s=10) <= 0.1
    assert 0.4 <= backoff_s(attempts=3, base_s=0.1, max_s=10) <= 0.8
    assert 5 <= backoff_s(attempts=40, base_s=0.1, max_s=10) <= 10


def test_retry_after_accepts_seconds_and_dates_and_is_capped():
    assert retry_after_s("3", max_s=60) == 3
    assert retry_after_s("3600", max_s=60) == 60
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", max_s=60) == 0
    assert retry_after_s("soon", max_s=60) is None
