"""Worker B sends events for a session A holds, with the real epoch of A's lease, signed with its own key: the
attacker's QR on the tenant's page, the tenant's number replaced by another, a ``sequence`` so high that every
later real event would be stale, the session disconnected. Naming itself in the event, each is refused 403
``not_lease_holder``; naming A (``worker_id`` worker-1 in the body), 403 ``worker_mismatch``. Nothing is stored, A's
session runs on, and each refusal is in the audit log under B's name."""

from __future__ import annotations

import pytest

from tests.security.attacker import A, Attacker, B, audited

QR = {"qr": "2@attacker,bm9pc2U=,aWRlbnRpdHk=,YWR2,1", "qr_count": 1, "expires_in": 60}  # the attacker's
READY = {"phone_number": "4915199999999", "pushname": "B", "platform": "android", "extraction_ms": 1}
ATTACKS = {
    "qr_code_generated": (QR, 10**6),
    "session_ready": (READY, 10**6),  # another number
    "session_authenticated": ({}, 2**62),  # every later real event would be older
    "session_disconnected": ({"reason": "LOGOUT"}, 10**6),
}
REFUSALS = {B: ("not_lease_holder", f"its lease is worker {A}'s"), A: ("worker_mismatch", f"it names worker {A}")}


@pytest.mark.parametrize("names", [B, A], ids=["naming B", "naming A"])
@pytest.mark.parametrize("event_type", sorted(ATTACKS))
def test_an_event_for_another_workers_session_is_refused(security_stack, victim, unchanged, event_type, names):
    data, sequence = ATTACKS[event_type]
    event_id, answer = Attacker(security_stack).event(event_type, victim, data, names=names, sequence=sequence)

    error, why = REFUSALS[names]
    assert (answer.status_code, answer.json()["error"]) == (403, error)
    assert A not in answer.text and str(victim.epoch) not in answer.json()["detail"]  # whose it is, its epoch: untold
    line = f"audit: worker {B} refused: {event_type} {event_id} for session {victim.session_id}: {why}"
    security_stack.wait_until(lambda: audited(security_stack, unchanged, line), within=30, what="the audit line")
