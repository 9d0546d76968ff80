"""The backend stopped for a while between the QR and the scan: the worker keeps the session's events in its
outbox (and its session_ready until its auth state is stored), and once the backend is back the account still
ends `connected`, every event applied once, in the order the worker made them. An outage of 15 s here, well
past the worker's webhook retry cap (2 s on these stacks), so that its deliveries are retried many times at the
cap; `make bench` runs 60 s (tests/bench/scale.py)."""

from __future__ import annotations

import pytest

from tests.reliability.scenarios import connect_through_a_backend_outage

pytestmark = pytest.mark.slow

OUTAGE_S = 15  # the fault stack's leases and heartbeats outlast it (scenarios.OUTAGE_BACKEND)


def test_a_connect_survives_an_outage_of_the_backend(fault_stack):
    seen = connect_through_a_backend_outage(fault_stack, outage_s=OUTAGE_S)

    assert seen["outage_s"] >= OUTAGE_S
    assert seen["phone_number"] and seen["is_primary"]
    assert seen["sequences_in_order"]  # every event the worker made, none lost, in its order
    assert seen["outcomes"] == ["applied"]
    assert seen["last_linking_events"] == ["session_authenticated", "session_ready"]
    assert seen["backend_errors"] == []
    fault_stack.forget([seen["account"]], token=seen["token"])
