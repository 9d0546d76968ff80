"""The backend stopped for 60 s between the QR and the scan: the worker keeps the session's events in its
outbox (and its session_ready until its auth state is stored), and once the backend is back the account still
ends `connected`, every event applied once, in the order the worker made them."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.slow

# Leases longer than the outage: with the default 15 s the worker would stop the session for lack of renewal
# (a backend it cannot reach looks like a partition; that fencing has its own tests), and it would come back
# through `disconnected` LEASE_EXPIRED. This test is about the outbox.
STACK_OPTIONS = {"backend_env": {"SESSION_LEASE_TTL_S": "300", "WORKER_HEARTBEAT_TIMEOUT_S": "300"}}

OUTAGE_S = 60
PHONE = "4915123400001"


def test_a_connect_survives_60_s_of_backend_outage(stack):
    bea = stack.make_people({"bea": "Bea's shop"})["bea"]
    account = stack.connect(workspace_id=bea.workspace_id, token=bea.token)
    qr = stack.wait_qr(account["id"], token=bea.token)

    stack.processes["backend"].stop()
    stopped = time.monotonic()
    stack.scan(qr, phone_number=PHONE)
    stack.wait_until(
        lambda: stack.worker_session(account["session_id"])["state"] == "AUTHENTICATED",
        within=30,
        what="the session scanned on the worker",
    )
    # session_authenticated waits in the outbox; session_ready waits for the auth state to be stored.
    stack.wait_until(lambda: stack.outbox_depth() >= 1, within=30, what="session_authenticated queued")
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
    stack.processes["backend"].start()

    connected = stack.wait_status(account["id"], "connected", token=bea.token, within=60)
    assert connected["phone_number"] == PHONE
    assert connected["is_primary"]
    stack.wait_until(lambda: stack.outbox_depth() == 0, within=30, what="an empty outbox")

    inbox = stack.inbox(account["session_id"])
    sequences = [sequence for _, _, sequence, _ in inbox]
    assert sequences == list(range(1, len(inbox) + 1))  # every event the worker made, none lost, in its order
    assert {outcome for *_, outcome in inbox} == {"applied"}
    linking = [event_type for _, event_type, _, _ in inbox if event_type != "session_sync_progress"]
    assert linking[-2:] == ["session_authenticated", "session_ready"]
    assert stack.error_lines("backend") == []
