"""The security suite's live stack (tests/harness/pool.py), one for every module, with two real session workers: A,
"worker" (WORKER_ID worker-1), registered with the larger capacity so that new sessions land on it, and B,
"worker-2", the compromised one, which signs with its own real key (``stack.keys["worker-2"]``).

- The attacks of B on A's linked session (test_a_compromised_worker_*, test_a_heartbeat_*) change nothing, so
  they share one victim (``victim``); B's events are limited at WEBHOOK_WORKER_RATE (low, for the flood), and A
  never saves its auth state again by itself (so that its row only changes if an attack does).
- The frozen and the revoked worker (A, each time) lose the victim to B: leases are short, so that A's
  sessions move within seconds; the next module that asks for ``victim`` gets a new one, linked on A. The
  revoke, which cannot be undone, runs last (the modules run in one process, tests/conftest.py's group, in the
  order of their names); were it not, ``victim`` would find A refused and fail, rather than test nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.harness.pool import Kind, shared_stack_fixture
from tests.reliability.stack import ReliabilityStack
from tests.security.attacker import Victim, link_victim, running_on_a, snapshot

CAPACITIES = {"worker": 20, "worker-2": 5}  # A has more room: a new session is placed on A
# B's flood goes over it at once; a worker's own heartbeats (one every 2 s) never, its events hardly (a session's
# burst at linking; the outbox retries any refused). A window of a second: B is heard from again once it stops.
WORKER_RATE = "10/second"
# Leases of a few seconds: A's sessions move soon after A stops renewing them (revoked or frozen).
BACKEND_ENV = {
    "WEBHOOK_WORKER_RATE": WORKER_RATE,
    "SESSION_LEASE_TTL_S": "10",
    "WORKER_HEARTBEAT_TIMEOUT_S": "10",
    "WORKERS_CHECK_INTERVAL_S": "1",
}
WORKER_ENV = {"HEARTBEAT_INTERVAL_S": "2", "LEASE_SAFETY_MARGIN_S": "3", "AUTH_SAVE_INTERVAL_S": "80000"}

security_stack = shared_stack_fixture(
    Kind(
        "security_stack",
        lambda folder: ReliabilityStack(
            folder, workers=2, capacities=dict(CAPACITIES), backend_env=dict(BACKEND_ENV), worker_env=dict(WORKER_ENV)
        ),
        logs="security/stack-logs",
    )
)
_victims = itertools.count(1)


@pytest.fixture
def victim(security_stack) -> Victim:
    """A's linked session, its auth state stored, READY on A: made once, for every module, unless it no longer
    runs on A (the frozen A lost it to B); then another one."""
    made = getattr(security_stack, "security_victim", None)
    if made is None or not running_on_a(security_stack, made):
        n = next(_victims)
        made = link_victim(security_stack, username=f"vera{n}", phone=f"49151700001{n:02d}")
        security_stack.security_victim = made
    return made


@pytest.fixture
def unchanged(security_stack, victim) -> Iterator[int]:
    """After the test: the victim's rows as they were, its session still READY on A and connected, and no error
    in the backend's log. Gives where the test's part of the backend's log starts (for its audit lines)."""
    before = snapshot(security_stack, victim)
    mark = security_stack.log_mark("backend")
    yield mark
    assert snapshot(security_stack, victim) == before
    assert running_on_a(security_stack, victim)
    assert security_stack.errors_since("backend", mark) == []
