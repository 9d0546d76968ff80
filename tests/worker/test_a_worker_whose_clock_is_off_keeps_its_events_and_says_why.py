"""A worker whose clock is 6 minutes off the backend's is refused (401: its signatures' timestamps are out of the
backend's 5-minute window). It keeps every event in its outbox, retried with backoff, says why in its log and in
``/health`` (not ready, the skew in seconds: "fix the clock (NTP)"), and once the clocks agree it delivers them
all, in order, and is ready again.

How the skew is made: the receiver's clock is set 6 minutes ahead (``clock_offset_s``) rather than the worker's
6 minutes behind. What the signature window sees is the difference between the two clocks, so it is the same test
for the worker. Running the worker under libfaketime (LD_PRELOAD) would fake the clocks of Playwright's driver and
of Chromium too (they inherit the environment), moving the page's own lease deadline with them, and setting the
clock right again would need a restart or a timestamp file re-read on every clock call; the receiver's clock keeps
the test in one process, where ``/health`` and the log are read directly. A backend that far off would see its
own commands refused by the worker likewise: the test checks that too, and sends none while the clocks differ.
"""

import json
import logging

from shared import identity
from shared.signing import new_message_id
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id

SKEW_S = 360


async def health(worker) -> tuple[int, dict]:
    async with worker.http.get(worker.url + "/health") as response:
        return response.status, await response.json()


async def test_every_event_is_kept_then_delivered_once_the_clocks_agree(start_worker, receiver, sim, caplog):
    worker = await start_worker(warm_pages_max=0)
    sid = session_id()
    await worker.start_session(sid)
    qr = await receiver.wait_for_type(sid, "qr_code_generated")

    receiver.clock_offset_s = SKEW_S  # from now on the backend's clock is 6 minutes ahead of the worker's
    with caplog.at_level(logging.WARNING, logger="session_worker"):
        await sim.scan(qr.data["qr"], phone_number="5511999990032")  # the login's events: refused, kept
        status, body = await wait_until_async(lambda: _not_ready(worker), within=30, what="/health not ready")

    assert status == 503 and body["ready"] is False
    refusal = body["backend_refusal"]
    assert refusal["status"] == 401 and refusal["error"] == "timestamp too old"
    assert abs(refusal["clock_skew_s"] - SKEW_S) <= 2
    assert "ahead of this worker's: fix the clock (NTP)" in body["cause"]
    assert any("fix the clock (NTP)" in r.getMessage() for r in caplog.records if r.name == "session_worker.backend")
    assert await worker.manager.store.outbox_depth() >= 1  # kept, not dropped
    assert receiver.of(sid, "session_authenticated") == []
    assert await _command_at_the_backends_clock(worker, receiver) == (401, "timestamp too new")

    receiver.clock_offset_s = 0  # the clock is fixed (NTP)
    ready = await receiver.wait_for_type(sid, "session_ready", within=60)

    assert ready.data["phone_number"] == "5511999990032"
    sequences = [e.sequence for e in receiver.of(sid)]
    assert sequences == list(range(1, len(sequences) + 1))  # every event, once, in order: none was dropped
    assert await wait_until_async(lambda: _ready_again(worker), within=30, what="/health ready again")
    assert all("timestamp too old" in refusal for refusal in receiver.bad_signatures)
    receiver.bad_signatures.clear()  # the refusals were the test's


async def _not_ready(worker):
    status, body = await health(worker)
    return (status, body) if body["backend_refusal"] else None


async def _ready_again(worker) -> bool:
    status, body = await health(worker)
    return status == 200 and body["backend_refusal"] is None


async def _command_at_the_backends_clock(worker, receiver) -> tuple[int, str]:
    """A command the backend signs with its own (skewed) clock."""
    content = identity.command_content(worker.settings.worker_id, "GET", "/sessions", b"")
    headers = identity.sign(receiver.backend.private, new_message_id(), int(receiver.now()), content)
    async with worker.http.get(worker.url + "/sessions", headers=headers) as response:
        return response.status, json.loads(await response.read())["error"]
