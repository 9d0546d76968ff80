"""A worker whose heartbeats the backend refuses (401: not registered, revoked, another key) is not ready: its
``/health`` answers 503 naming the cause, until a heartbeat is accepted again (here: once it is registered)."""

from tests.harness.waiting import wait_until_async


async def health(worker) -> tuple[int, dict]:
    async with worker.http.get(worker.url + "/health") as response:
        return response.status, await response.json()


async def test_refused_heartbeats_make_it_not_ready_until_one_is_accepted(start_worker, receiver):
    worker = await start_worker(warm_pages_max=0, heartbeat_interval_s=0.3)
    public = receiver.workers.pop(worker.settings.worker_id)  # an operator has not registered it (yet)

    status, body = await wait_until_async(lambda: _refused(worker), within=30, what="/health not ready")
    assert status == 503
    assert body["backend_refusal"]["what"] == "heartbeat" and body["backend_refusal"]["error"] == "unknown worker"
    assert "register this worker" in body["cause"]

    receiver.workers[worker.settings.worker_id] = public  # registered
    await wait_until_async(lambda: _ready(worker), within=30, what="/health ready")
    receiver.bad_signatures.clear()  # the refusals were the test's


async def _refused(worker):
    status, body = await health(worker)
    return (status, body) if body["backend_refusal"] else None


async def _ready(worker) -> bool:
    status, body = await health(worker)
    return status == 200 and body["ready"]
