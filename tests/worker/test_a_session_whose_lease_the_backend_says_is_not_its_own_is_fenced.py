"""403 ``not_lease_holder`` from the backend means the session's lease is not this worker's (any more): an event
so refused is final (dead, not retried) and the session is fenced (stopped and let go, its local auth wiped),
and an auth state refused so before ``session_ready`` ends the session without it ever being reported ready."""

from aiohttp import web

from shared.events import SessionState
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id

NOT_HOLDER = {"error": "not_lease_holder", "detail": "the session's lease is held by worker-2"}


async def test_an_event_refused_not_lease_holder_fences_the_session(start_worker, receiver):
    sid = session_id()
    receiver.answer = lambda e: (403, NOT_HOLDER) if e.session_id == sid else None
    worker = await start_worker(warm_pages_max=0)
    await worker.start_session(sid, epoch=3)
    session = worker.manager.sessions[sid]

    await wait_until_async(lambda: session.state is SessionState.STOPPED, within=30, what="the session fenced")
    # Let go last, once its page is closed and its local auth wiped.
    await wait_until_async(lambda: sid not in worker.manager.sessions, within=30, what="the session let go")

    assert not worker.manager.host.session_dir(sid).exists()
    assert await worker.manager.store.outbox_depth() == 0  # the refused event is dead, not retried
    refused = [e.type for e in receiver.refused]  # its first event, and what was queued before the fence
    assert refused[0] == "session_booted" and set(refused) <= {"session_booted", "qr_code_generated"}
    assert len({e.id for e in receiver.refused}) == len(refused)  # each refused once: dead, not retried


async def test_an_auth_state_refused_not_lease_holder_ends_the_session_before_ready(start_worker, receiver, sim):
    sid = session_id()
    receiver.auth_answer = lambda method, s: web.json_response(NOT_HOLDER, status=403) if s == sid else None
    worker = await start_worker(warm_pages_max=0)
    await worker.start_session(sid, epoch=3)
    qr = await receiver.wait_for_type(sid, "qr_code_generated")
    session = worker.manager.sessions[sid]

    await sim.scan(qr.data["qr"], phone_number="5511999990033")
    await wait_until_async(lambda: session.state is SessionState.STOPPED, within=30, what="the session fenced")
    # Let go last, once its page is closed and its local auth wiped.
    await wait_until_async(lambda: sid not in worker.manager.sessions, within=30, what="the session let go")

    assert receiver.of(sid, "session_ready") == []
    assert not worker.manager.host.session_dir(sid).exists()
