"""Connect flows back to back through the live stack, in 4 lanes: Connect, QR, scan, `connected` with the
right number, then delete (the worker logs the session out and closes it). All succeed, each connects once
with every event of its session received in order, and no process logs an error. 12 flows here, on the shared
stack; `make bench` runs 200 (tests/bench/scale.py)."""

from __future__ import annotations

import os

import pytest

from tests.reliability.conftest import ARTIFACTS
from tests.reliability.scenarios import connect_flows

pytestmark = pytest.mark.slow

FLOWS = int(os.environ.get("RELIABILITY_CONNECT_FLOWS", "12"))
LANES = 4


def test_connect_flows_all_succeed(live_stack):
    seen = connect_flows(live_stack, flows=FLOWS, lanes=LANES)

    assert seen["connected"] == FLOWS
    # Each flow's session: connected exactly once, and every event it sent received, none lost, in order.
    assert seen["sessions_without_events"] == []
    assert seen["sessions_out_of_order"] == []
    assert seen["sessions_not_ready_once"] == []
    assert seen["error_lines"] == {name: [] for name in ("backend", "celery", "worker", "simulator")}
    durations = seen["flow_s"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "connect-flows.txt").write_text(
        f"{FLOWS} flows in {LANES} lanes: p50 {durations[FLOWS // 2]:.2f} s, p95 {durations[int(FLOWS * 0.95)]:.2f} s\n"
    )
