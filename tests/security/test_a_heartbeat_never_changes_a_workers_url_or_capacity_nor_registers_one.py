"""A worker's URL and capacity are the operator's (``worker_register``, ``--update``): B's heartbeat giving itself
another URL and a huge capacity is accepted as a heartbeat but changes neither (so placement and the backend's
commands still go where the operator said), one giving A's row another URL is refused 403 ``worker_mismatch``, and a
heartbeat naming a worker nobody registered creates no worker: 401 ``unknown worker`` in its own name, 403
``worker_mismatch`` when B signs it."""

from __future__ import annotations

from tests.security.attacker import A, Attacker, B, audited

EVIL_URL = "http://attacker.example:8001"


def registration(stack, worker_id: str) -> list[tuple]:
    return stack.sql("SELECT base_url, capacity, public_keys FROM fleet_workernode WHERE id = %s", (worker_id,))


def test_a_heartbeat_keeps_its_workers_registered_url_and_capacity(security_stack, victim, unchanged):
    stack = security_stack
    registered = registration(stack, B)
    _, answer = Attacker(stack).heartbeat(sessions={}, base_url=EVIL_URL, capacity=100_000)

    assert answer.status_code == 200, answer.text
    assert registration(stack, B) == registered
    assert registered[0][:2] == (f"http://127.0.0.1:{stack.ports['worker-2']}", 5)  # the operator's

    event_id, answer = Attacker(stack).heartbeat(sessions={}, names=A, base_url=EVIL_URL, capacity=100_000)
    assert (answer.status_code, answer.json()["error"]) == (403, "worker_mismatch")  # A's URL: the snapshot's
    line = f"audit: worker {B} refused: worker_heartbeat {event_id}: it names worker {A}"
    stack.wait_until(lambda: audited(stack, unchanged, line), within=30, what="the audit line")


def test_a_heartbeat_of_an_unregistered_worker_registers_nothing(security_stack, victim, unchanged):
    stack = security_stack
    _, unsigned_as = Attacker(stack).heartbeat(sessions={}, names="worker-evil", as_worker="worker-evil")
    event_id, signed_by_b = Attacker(stack).heartbeat(sessions={}, names="worker-evil", base_url=EVIL_URL)

    assert (unsigned_as.status_code, unsigned_as.json()["error"]) == (401, "unknown worker")
    assert (signed_by_b.status_code, signed_by_b.json()["error"]) == (403, "worker_mismatch")
    assert stack.sql("SELECT id FROM fleet_workernode ORDER BY id") == [(A,), (B,)]
    line = f"audit: worker {B} refused: worker_heartbeat {event_id}: it names worker worker-evil"
    stack.wait_until(lambda: audited(stack, unchanged, line), within=30, what="the audit line")
