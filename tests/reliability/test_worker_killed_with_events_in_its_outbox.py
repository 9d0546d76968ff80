"""The worker SIGKILLed (its whole process group: worker, Playwright's driver, Chromium) while one session
is linked and another's `session_authenticated` waits in its outbox (the backend is down; its `session_ready`
waits for its auth state to be stored on the backend, docs/design.md "Many workers"): after both come back,
the linked session is restored without a QR, the outbox is delivered, and both accounts end `connected`,
every event applied once and in order."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# The backend is down for a while here: the fault stack's leases are long enough that the worker does not stop
# its sessions for lack of renewal meanwhile (that fencing has its own tests).

LINKED_PHONE = "4915123400011"
PENDING_PHONE = "4915123400012"


def qr_events_after(stack, session_id: str, sequence: int) -> list:
    return [row for row in stack.inbox(session_id) if row[1] == "qr_code_generated" and row[2] > sequence]


def test_sessions_and_outbox_survive_kill_9_of_the_worker(fault_stack):
    stack = fault_stack
    cleo = stack.make_people({"cleo": "Cleo's shop"})["cleo"]
    token, workspace_id = cleo.token, cleo.workspace_id
    linked = stack.connect(workspace_id=workspace_id, token=token)
    stack.scan(stack.wait_qr(linked["id"], token=token), phone_number=LINKED_PHONE)
    stack.wait_status(linked["id"], "connected", token=token)
    pending = stack.connect(workspace_id=workspace_id, token=token)
    pending_qr = stack.wait_qr(pending["id"], token=token)

    stack.processes["backend"].stop()
    stack.scan(pending_qr, phone_number=PENDING_PHONE)
    stack.wait_until(
        lambda: stack.worker_session(pending["session_id"])["state"] == "AUTHENTICATED",
        within=30,
        what="the pending session scanned on the worker",
    )
    stack.wait_until(lambda: stack.outbox_depth() >= 1, within=30, what="its session_authenticated queued")
    # The scan is reported at PAIRING, before the page has its credentials: the kill comes once the linked
    # page has kept them on the worker's disk (its session_ready then waits for the backend to store them).
    stack.wait_until(
        lambda: any(pending["session_id"] in str(p) for p in (stack.folder / "sessions").rglob("storage_state.json")),
        within=30,
        what="the pending session's credentials on the worker's disk",
    )
    last_sequence = {s: max(row[2] for row in stack.inbox(s)) for s in (linked["session_id"], pending["session_id"])}
    stack.processes["worker"].kill()

    stack.processes["backend"].start()
    stack.processes["worker"].start()
    stack.wait_until(
        lambda: [row for row in stack.inbox(linked["session_id"]) if row[2] > last_sequence[linked["session_id"]]],
        within=60,
        what="the restored session's session_ready",
    )
    for account in (linked, pending):
        stack.wait_status(account["id"], "connected", token=token, within=60)
        assert stack.worker_session(account["session_id"])["state"] == "READY"
    stack.wait_until(lambda: stack.outbox_depth() == 0, within=30, what="an empty outbox")

    for account in (linked, pending):
        inbox = stack.inbox(account["session_id"])
        # Every event the worker made, before and after the kill: none lost, in its order, the sequence
        # carried on from the worker's disk.
        assert [row[2] for row in inbox] == list(range(1, len(inbox) + 1))
        assert qr_events_after(stack, account["session_id"], last_sequence[account["session_id"]]) == []
    restored = [row[1] for row in stack.inbox(linked["session_id"]) if row[2] > last_sequence[linked["session_id"]]]
    assert restored[-1] == "session_ready"  # restored from its kept auth: no QR, straight to ready
    pending_types = [row[1] for row in stack.inbox(pending["session_id"]) if row[3] == "applied"]
    assert "session_authenticated" in pending_types and pending_types[-1] == "session_ready"
    accounts = [stack.account(a["id"], token=token) for a in (linked, pending)]
    assert [a["phone_number"] for a in accounts] == [LINKED_PHONE, PENDING_PHONE]
    assert [a["is_primary"] for a in accounts] == [True, False]
    assert stack.error_lines("backend") == []
    states = [
        state
        for state in (stack.folder / "sessions").rglob("storage_state.json")
        if any(a["session_id"] in str(state) for a in (linked, pending))
    ]
    assert len(states) == 2
    for state in states:  # a session's WhatsApp credentials: readable by the worker's user alone
        assert state.stat().st_mode & 0o077 == 0, oct(state.stat().st_mode)
    stack.forget([linked, pending], token=token)  # the stack as this test found it
