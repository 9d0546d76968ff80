"""Failover and drain on a stack of three session workers (tests/harness/livestack.py, ``workers=3``).

Failover: ``sessions`` linked sessions all on worker-1 (the two others are drained while they link), the others
back in service, then worker-1's whole process group SIGKILLed -> the time until every one of them is
connected on another worker under its new lease (``last_epoch = lease_epoch``, not ``moving``), the QRs shown
for them after the kill (goal 0) and how often the simulator saw one login on two pages (goal 0).

Drain: then every session, now on workers 2 and 3, is gathered on worker-3 (worker-2 drained), and worker-3
is drained (``manage.py worker_drain --batch 3``: at most 3 sessions between workers at any time) -> the time
until all are connected on worker-2, QRs and double connections again.

Synchronous (the reliability stack's helpers), run in a thread by ``python -m tests.bench``.
"""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.harness.livestack import PYTHON, ROOT
from tests.reliability.stack import ReliabilityStack

log = logging.getLogger("bench")

WORKSPACES = 4
DRAIN_BATCH = 3


def _phone(size: int, index: int) -> str:
    return f"4915188{size:02d}{index:03d}"


def _ready(stack: ReliabilityStack, session_ids: list[str], *, off: str) -> bool:
    rows = stack.sql(
        "SELECT worker_id <> %s AND status = 'connected' AND NOT moving AND last_epoch = lease_epoch "
        "FROM accounts_whatsappaccount WHERE session_id = ANY(%s)",
        (off, session_ids),
    )
    return len(rows) == len(session_ids) and all(ok for (ok,) in rows)


def _qrs_since(stack: ReliabilityStack, mark: int, session_ids: list[str]) -> int:
    return stack.sql(
        "SELECT count(*) FROM inbox_webhookevent WHERE id > %s AND type = 'qr_code_generated' AND session_id = ANY(%s)",
        (mark, session_ids),
    )[0][0]


def _set_draining(stack: ReliabilityStack, workers: list[str], draining: bool) -> None:
    stack.sql("UPDATE fleet_workernode SET draining = %s WHERE id = ANY(%s) RETURNING id", (draining, workers))


def _drain(stack: ReliabilityStack, worker_id: str) -> subprocess.CompletedProcess:
    command = [PYTHON, "backend/manage.py", "worker_drain", worker_id, "--batch", str(DRAIN_BATCH), "--timeout", "300"]
    return subprocess.run(command, env=stack.django_env(), cwd=ROOT, capture_output=True, text=True, timeout=400)


def measure_one(*, folder: Path, sessions: int, with_drain: bool) -> dict[str, Any]:
    stack = ReliabilityStack(folder, workers=3, worker_env={"MAX_SESSIONS": str(sessions + 5)})
    with stack:
        people = stack.make_people({f"bench{n}": f"Bench failover {n}" for n in range(WORKSPACES)})
        owners = list(people.values())
        stack.wait_until(
            lambda: stack.sql("SELECT count(*) FROM fleet_workernode WHERE last_heartbeat_at IS NOT NULL")[0][0] == 3,
            within=60,
            what="three workers registered",
        )
        _set_draining(stack, ["worker-2", "worker-3"], True)  # every session on worker-1
        for index in range(sessions):
            owner = owners[index % WORKSPACES]
            account = stack.connect(workspace_id=owner.workspace_id, token=owner.token)
            stack.link(account, phone_number=_phone(sessions, index), token=owner.token)
        stack.wait_until(
            lambda: stack.sql("SELECT count(*) FROM fleet_sessionauthstate")[0][0] == sessions,
            within=120,
            what="every auth state stored",
        )
        _set_draining(stack, ["worker-2", "worker-3"], False)
        session_ids = [sid for (sid,) in stack.sql("SELECT session_id FROM accounts_whatsappaccount")]
        mark = stack.sql("SELECT coalesce(max(id), 0) FROM inbox_webhookevent")[0][0]

        killed = time.monotonic()
        stack.processes["worker"].kill()
        stack.wait_until(
            lambda: _ready(stack, session_ids, off="worker-1"), within=300, what="every session connected elsewhere"
        )
        result: dict[str, Any] = {
            "sessions": sessions,
            "failover_s": time.monotonic() - killed,
            "failover_qrs": _qrs_since(stack, mark, session_ids),
            "failover_double_connections": stack.phone.stats()["double_connections"],
        }
        log.info("failover of %d sessions: %.1f s", sessions, result["failover_s"])
        if with_drain:
            _set_draining(stack, ["worker-2"], True)
            gathered = _drain(stack, "worker-2")  # everything onto worker-3 first
            assert gathered.returncode == 0, gathered.stdout + gathered.stderr
            stack.wait_until(lambda: _ready(stack, session_ids, off="worker-2"), within=300, what="gathered")
            _set_draining(stack, ["worker-2"], False)
            mark = stack.sql("SELECT coalesce(max(id), 0) FROM inbox_webhookevent")[0][0]
            started = time.monotonic()
            drained = _drain(stack, "worker-3")
            stack.wait_until(lambda: _ready(stack, session_ids, off="worker-3"), within=300, what="drained")
            result.update(
                {
                    "drain_s": time.monotonic() - started,
                    "drain_command": drained.stdout.strip().splitlines()[-1:],
                    "drain_qrs": _qrs_since(stack, mark, session_ids),
                    "drain_double_connections": stack.phone.stats()["double_connections"],
                }
            )
            log.info("drain of %d sessions: %.1f s", sessions, result["drain_s"])
        return result


def measure(*, folder: Path, sizes: list[int]) -> dict[str, Any]:
    """Failover at each size (its own stack), the drain at the largest."""
    runs = [
        measure_one(folder=folder / f"failover-{size}", sessions=size, with_drain=size == max(sizes)) for size in sizes
    ]
    return {"runs": runs}
