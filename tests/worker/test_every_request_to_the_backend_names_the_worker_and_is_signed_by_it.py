"""Everything a worker sends the backend names it (``x-worker-id``) and carries a ``v1a`` signature by its own key,
which the backend (the receiver) checks with the public key registered for that name: events and heartbeats over
the raw body, auth-state calls (PUT before ready, GET for a lease that says ``restore``) over method, path and
body. The receiver refuses anything else with a 401, and the fixture fails the test on a refusal."""

from tests.worker.conftest import link, session_id

WEBHOOK = "/api/v1/whatsapp/webhook"


async def test_events_heartbeats_and_auth_state_calls_are_signed_by_the_worker(start_worker, receiver, sim):
    worker = await start_worker(worker_id="worker-signs", warm_pages_max=0)
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990031")
    await worker.stop()
    receiver.grant(sid, worker_id="worker-signs", restore=True)  # its state is fetched before it opens again
    mark = len(receiver.events)

    await start_worker(worker_id="worker-signs", warm_pages_max=0)
    await receiver.wait_for(lambda e: e.session_id == sid and e.type == "session_ready", after=mark, within=60)

    state_path = f"/api/v1/whatsapp/sessions/{sid}/auth-state"
    assert {call[1:] for call in receiver.signed} >= {("POST", WEBHOOK), ("PUT", state_path), ("GET", state_path)}
    assert {call[0] for call in receiver.signed} == {"worker-signs"}
    assert {e.type for e in receiver.events} >= {"worker_heartbeat", "qr_code_generated", "session_ready"}
    assert len(receiver.of(sid, "qr_code_generated")) == 1  # restored from the fetched state: no new QR
    assert receiver.bad_signatures == []
