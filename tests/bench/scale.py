"""The reliability suite's scenarios at full scale (tests/reliability/scenarios.py; `make test` runs each at the
smallest size that proves its behaviour), each on a stack of its own of the kind the suite runs it on:

- ``flows``: connect flows back to back in lanes, each account deleted once connected (200 in 4 lanes);
- ``first_connections``: first connections in one workspace at once, on gunicorn with several processes (20);
- ``spread_failover``: linked sessions in several workspaces spread over three workers, one worker SIGKILLed
  (30 sessions in 10 workspaces, 10 on the killed worker);
- ``outage``: a connect through an outage of the backend, the worker's webhook retries capped at 2 s (60 s).

The behaviour the tests assert is judged here too (the table's "met" and the JSON's facts), beside the times.
Synchronous (the reliability stack's helpers), run in a thread by ``python -m tests.bench``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tests.bench.stats import summary
from tests.reliability.scenarios import (
    OUTAGE_BACKEND,
    connect_flows,
    connect_through_a_backend_outage,
    failover_of_a_killed_worker,
    first_connections_at_once,
)
from tests.reliability.stack import ReliabilityStack, WsgiStack

log = logging.getLogger("bench")

MEASURES = ("flows", "first_connections", "spread_failover", "outage")
PER_WORKSPACE = 3  # a workspace's accounts in the spread failover: one on each worker
LINKING_AT_ONCE = 4  # workspaces linking their phones side by side while the failover's sessions are set up
BULKY = ("accounts", "account", "token")  # what a scenario returns for the tests' clean-up, not for the report


def measure(name: str, *, folder: Path, sizes: Any) -> dict[str, Any]:
    """``name`` (one of MEASURES) at ``sizes`` (tests/bench/__main__.py's Sizes) on a stack in ``folder``."""
    if name == "flows":
        with ReliabilityStack(folder) as stack:
            seen = connect_flows(stack, flows=sizes.connect_flows, lanes=sizes.connect_lanes)
        return {**seen, "flow_s": summary(seen["flow_s"])}
    if name == "first_connections":
        with WsgiStack(folder) as stack:
            return _plain(first_connections_at_once(stack, count=sizes.first_connections))
    if name == "spread_failover":
        with ReliabilityStack(folder, workers=3) as stack:
            seen = failover_of_a_killed_worker(
                stack,
                workspaces=sizes.failover_workspaces,
                per_workspace=PER_WORKSPACE,
                linking_at_once=LINKING_AT_ONCE,
            )
        log.info("failover of %d sessions spread over 3 workers: %.1f s", seen["victims"], seen["failover_s"])
        return {**_plain(seen), "qrs_after_kill": len(seen["qrs_after_kill"])}
    if name == "outage":
        with ReliabilityStack(folder, backend_env=dict(OUTAGE_BACKEND)) as stack:
            return _plain(connect_through_a_backend_outage(stack, outage_s=sizes.outage_s))
    raise ValueError(name)


def _plain(seen: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in seen.items() if key not in BULKY}
