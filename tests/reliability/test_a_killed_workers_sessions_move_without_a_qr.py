"""Failover on the live stack: three workers, linked sessions in several workspaces (each workspace's accounts
spread over the workers); one worker's whole process group is SIGKILLed. Every session it drove is connected
again on the other two, opened from its stored auth state: no QR shown, the simulator never saw one login on
two pages, one primary per workspace. 6 sessions in 2 workspaces here, two on the killed worker; `make bench`
runs 30 in 10 workspaces (tests/bench/scale.py), and times the same at 10 and 20 sessions on one victim
(tests/bench/failover.py).
"""

from __future__ import annotations

import pytest

from tests.reliability.scenarios import failover_of_a_killed_worker

pytestmark = pytest.mark.slow

WORKSPACES = 2
PER_WORKSPACE = 3  # one on each worker
LINKING_AT_ONCE = 2  # workspaces linking their phones at the same time while the sessions are set up


def test_every_session_of_a_killed_worker_is_connected_elsewhere_without_a_qr(fleet_stack):
    seen = failover_of_a_killed_worker(
        fleet_stack, workspaces=WORKSPACES, per_workspace=PER_WORKSPACE, linking_at_once=LINKING_AT_ONCE
    )

    assert seen["workers_used"] == ["worker-1", "worker-2", "worker-3"]
    assert seen["workers_per_workspace"] == [PER_WORKSPACE] * WORKSPACES  # each workspace spread over the three
    assert seen["victims"] == WORKSPACES
    assert seen["qrs_after_kill"] == []
    assert seen["qr_counts_unchanged"]
    assert seen["double_connections"] == 0
    assert seen["not_connected"] == []
    assert seen["primaries_per_workspace"] == [1] * WORKSPACES
    assert seen["moves"] == seen["victims"]
    print(f"failover of {seen['victims']} sessions: connected elsewhere {seen['failover_s']:.1f} s after the kill")

    # The stack as this test found it: none of its sessions, three workers. Deleted first (their devices logged
    # out), so that worker-2, started again, finds nothing to open of what it ran before the kill.
    for token in {token for _, token in seen["accounts"]}:
        fleet_stack.forget([a for a, t in seen["accounts"] if t == token], token=token)
    fleet_stack.start_again("worker-2")
