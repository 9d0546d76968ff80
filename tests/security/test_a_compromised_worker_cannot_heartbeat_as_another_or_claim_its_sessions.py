"""Worker B heartbeats in A's name: naming A in the body is refused 403 ``worker_mismatch`` (audited under B's
name), and naming A in ``x-worker-id`` fails A's signature check (401 ``bad signature``), so A's leases are never
answered to B. B's own heartbeat reporting A's session (as running, or as disconnected) is accepted as B's: its
answer lists B's leases only, without A's session, and A's account is neither disconnected nor moved."""

from __future__ import annotations

import pytest

from tests.security.attacker import A, Attacker, B, audited


def test_a_heartbeat_naming_another_worker_is_refused(security_stack, victim, unchanged):
    claimed = {victim.session_id: {"state": "READY", "epoch": victim.epoch}}
    event_id, answer = Attacker(security_stack).heartbeat(sessions=claimed, names=A)

    assert (answer.status_code, answer.json()["error"]) == (403, "worker_mismatch")
    assert "leases" not in answer.json()
    line = f"audit: worker {B} refused: worker_heartbeat {event_id}: it names worker {A}"
    security_stack.wait_until(lambda: audited(security_stack, unchanged, line), within=30, what="the audit line")


def test_a_heartbeat_signed_in_another_workers_name_is_refused(security_stack, victim, unchanged):
    claimed = {victim.session_id: {"state": "READY", "epoch": victim.epoch}}
    _, answer = Attacker(security_stack).heartbeat(sessions=claimed, names=A, as_worker=A)

    assert (answer.status_code, answer.json()["error"]) == (401, "bad signature")
    assert "leases" not in answer.json()


@pytest.mark.parametrize("state", ["READY", "DISCONNECTED"])
def test_a_heartbeat_claiming_another_workers_session_gets_no_lease_of_it(security_stack, victim, unchanged, state):
    claimed = {victim.session_id: {"state": state, "epoch": victim.epoch}}
    _, answer = Attacker(security_stack).heartbeat(sessions=claimed)

    assert (answer.status_code, answer.json()["status"]) == (200, "applied")
    assert victim.session_id not in answer.json()["leases"]
    held_by_b = security_stack.sql("SELECT session_id FROM accounts_whatsappaccount WHERE worker_id = %s", (B,))
    assert set(answer.json()["leases"]) == {session_id for (session_id,) in held_by_b}
