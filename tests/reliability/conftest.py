"""The reliability suite's live stacks (tests/reliability/stack.py). Modules that need the same settings share
one stack of that kind (tests/harness/pool.py), each working in workspaces of its own and leaving the stack as it
found it; its logs go to artifacts/reliability/stack-logs/<kind>/ when the last of them is done:

- ``live_stack`` (tests/conftest.py): the default stack, shared with the other suites;
- ``fault_stack``: a stack whose backend, worker or Chromium a test stops, kills or cuts off and starts again,
  with leases and heartbeats that outlast a backend outage (the outbox is under test, not the fencing, which
  has its own tests) and a short CONNECTION_GRACE_S (the device drop test);
- ``fleet_stack``: three session workers, the third reaching the backend through a proxy that a test may cut;
- ``wsgi_stack``: HTTP served by gunicorn with several processes (requests of one workspace really at the same
  time), with small workspace limits by default (the limits' tests); the race tests give their workspaces
  limits of their own, as staff do in the admin;
- ``backend_stack``: the backend alone (no worker: no real worker's events, a Connect starts no browser).

A module with settings of its own (the nginx in front, a PostgreSQL or Redis of its own) starts its own stack
with ``running``, its logs kept under artifacts/reliability/stack-logs/<module>/.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

from tests.harness.livestack import ROOT
from tests.harness.pool import Kind, keep_logs, shared_stack_fixture
from tests.reliability.scenarios import OUTAGE_BACKEND
from tests.reliability.stack import BackendOnlyStack, ReliabilityStack, WsgiStack

ARTIFACTS = ROOT / "artifacts" / "reliability"
Stack = TypeVar("Stack", bound=ReliabilityStack)

# A short grace for a connection the phone drops (a drop shorter than it is not reported) on the fault stack,
# whose leases and heartbeats outlast an outage of the backend (the outbox tests).
CONNECTION_GRACE_S = 5
# The settings' default workspace limits on the gunicorn stack (tests/reliability/test_workspace_limits_*.py).
DEFAULT_LIMITS = {"WORKSPACE_MAX_ACCOUNTS": "10", "WORKSPACE_CONNECTS_PER_HOUR": "3", "WORKSPACE_CONNECTS_PER_DAY": "5"}
# The backend alone: Connect may place any number of sessions on the default worker (no worker runs them);
# the webhook's limits over an hour, so that their test never races a clock.
WEBHOOK_WORKER_LIMIT, WEBHOOK_UNVERIFIED_LIMIT = 300, 5  # an hour
BACKEND_ONLY = {
    "DEFAULT_WORKER_CAPACITY": "1000000",
    "WEBHOOK_WORKER_RATE": f"{WEBHOOK_WORKER_LIMIT}/hour",
    "WEBHOOK_UNVERIFIED_RATE": f"{WEBHOOK_UNVERIFIED_LIMIT}/hour",
}


def _fault_stack(folder) -> ReliabilityStack:
    return ReliabilityStack(
        folder, backend_env=dict(OUTAGE_BACKEND), worker_env={"CONNECTION_GRACE_S": str(CONNECTION_GRACE_S)}
    )


fault_stack = shared_stack_fixture(Kind("fault_stack", _fault_stack, logs="reliability/stack-logs/faults"))
fleet_stack = shared_stack_fixture(
    Kind(
        "fleet_stack",
        lambda folder: ReliabilityStack(folder, workers=3, proxied_workers=["worker-3"]),
        logs="reliability/stack-logs/fleet",
    )
)
wsgi_stack = shared_stack_fixture(
    Kind(
        "wsgi_stack",
        lambda folder: WsgiStack(folder, backend_env=dict(DEFAULT_LIMITS)),
        logs="reliability/stack-logs/wsgi",
    )
)
backend_stack = shared_stack_fixture(
    Kind(
        "backend_stack",
        lambda folder: BackendOnlyStack(folder, backend_env=dict(BACKEND_ONLY)),
        logs="reliability/stack-logs/backend-only",
    )
)


@contextlib.contextmanager
def running(live: Stack, logs: str) -> Iterator[Stack]:
    """``live`` started, and stopped on exit with its logs kept under artifacts/reliability/stack-logs/<logs>/."""
    try:
        with live:
            yield live
    finally:
        keep_logs(live, f"reliability/stack-logs/{logs}")
