"""Worker B, with its own valid key and the real epoch of A's lease, asks the backend for the auth state of a
session A holds (the WhatsApp credentials of that phone), and uploads a forged one in its place (a valid gzip'd
storage state). Both are refused 403 ``not_lease_holder``, nothing of the state is answered, the stored state is
the same, A's session runs on, and the audit log names B."""

from __future__ import annotations

from tests.security.attacker import Attacker, B, audited, storage_state


def test_reading_another_workers_auth_state_is_refused(security_stack, victim, unchanged):
    read = Attacker(security_stack).auth_state("GET", victim)

    assert (read.status_code, read.json()["error"]) == (403, "not_lease_holder")
    assert "x-auth-state-sha256" not in read.headers and read.headers["content-type"] == "application/json"
    line = f"audit: worker {B} refused: auth state for session {victim.session_id}: not its lease"
    security_stack.wait_until(lambda: audited(security_stack, unchanged, line), within=30, what="the audit line")


def test_writing_another_workers_auth_state_is_refused(security_stack, victim, unchanged):
    written = Attacker(security_stack).auth_state("PUT", victim, storage_state("forged by B"))

    assert (written.status_code, written.json()["error"]) == (403, "not_lease_holder")
    line = f"audit: worker {B} refused: auth state for session {victim.session_id}: not its lease"
    security_stack.wait_until(lambda: audited(security_stack, unchanged, line), within=30, what="the audit line")
