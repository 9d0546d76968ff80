"""A worker that starts before its backend answers (`make run` starts them side by side) sends a heartbeat every
second until one is answered, not one an interval later: until then no session can be placed on it. Its
``/health`` says whether the backend has answered (``heartbeat_answered``); a backend that refuses the worker
(401) is asked at the interval, not every second."""

import asyncio

from tests.harness.waiting import wait_until_async

INTERVAL_S = 60.0  # no second heartbeat within the test, but for the retries until the first answer


async def heartbeat_answered(worker) -> bool:
    async with worker.http.get(worker.url + "/health") as response:
        return (await response.json())["heartbeat_answered"]


def heartbeats(events) -> list:
    return [event for event in events if event.type == "worker_heartbeat"]


async def test_heartbeats_follow_each_other_within_a_second_until_the_backend_answers(start_worker, receiver):
    receiver.fail_with = 503  # the backend is still starting
    worker = await start_worker(warm_pages_max=0, heartbeat_interval_s=INTERVAL_S)
    await wait_until_async(lambda: len(heartbeats(receiver.refused)) >= 3, within=30, what="heartbeats retried")
    assert not await heartbeat_answered(worker)
    assert heartbeats(receiver.events) == []

    receiver.fail_with = None  # the backend is up
    await wait_until_async(lambda: heartbeat_answered(worker), within=30, what="a heartbeat answered")
    answered = len(heartbeats(receiver.events))
    refused = len(heartbeats(receiver.refused))
    assert answered == 1

    # Answered: the next one comes an interval later.
    await asyncio.sleep(3)
    assert (len(heartbeats(receiver.events)), len(heartbeats(receiver.refused))) == (answered, refused)


async def test_a_worker_the_backend_refuses_is_not_asked_again_every_second(start_worker, receiver):
    unknown = {"error": "unknown worker", "detail": "register this worker"}
    receiver.answer = lambda event: (401, unknown) if event.type == "worker_heartbeat" else None
    worker = await start_worker(warm_pages_max=0, heartbeat_interval_s=INTERVAL_S)
    await wait_until_async(lambda: heartbeats(receiver.refused), within=30, what="the first heartbeat refused")
    await asyncio.sleep(3)
    assert len(heartbeats(receiver.refused)) == 1
    assert not await heartbeat_answered(worker)
