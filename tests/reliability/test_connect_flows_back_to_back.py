"""200 connect flows back to back through the live stack (in 4 lanes, to fit CI's time): Connect, QR,
scan, `connected` with the right number, then delete (the worker logs the session out and closes it). All
200 succeed, each connects once with every event of its session received in order, and no process logs an
error."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.conftest import ARTIFACTS

pytestmark = pytest.mark.slow

FLOWS = int(os.environ.get("RELIABILITY_CONNECT_FLOWS", "200"))
LANES = 4


@pytest.mark.timeout(900)  # ~2 minutes on a quiet machine; much more when other suites load the two cores
def test_200_connect_flows_all_succeed(stack):
    nina = stack.make_people({"nina": "Nina's shop"})["nina"]
    token, workspace_id = nina.token, nina.workspace_id
    durations: list[float] = []

    def flow(n: int) -> tuple[str, str]:
        started = time.monotonic()
        phone = f"4916{n:09d}"
        account = stack.connect(workspace_id=workspace_id, token=token)
        connected = stack.link(account, phone_number=phone, token=token, within=60)
        assert connected["phone_number"] == phone
        assert stack.api("DELETE", f"/api/v1/accounts/{account['id']}", token=token).status_code == 204
        durations.append(time.monotonic() - started)
        return account["session_id"], connected["status"]

    def lane(first: int) -> list[tuple[str, str]]:
        return [flow(n) for n in range(first, FLOWS, LANES)]

    with ThreadPoolExecutor(LANES) as pool:
        results = [result for lane_results in pool.map(lane, range(LANES)) for result in lane_results]

    assert len(results) == FLOWS and {status for _, status in results} == {"connected"}
    # Each flow's session: connected exactly once, and every event it sent received, none lost, in order.
    sessions = stack.sql(
        "SELECT session_id, array_agg(sequence ORDER BY id),"
        " count(*) FILTER (WHERE type = 'session_ready' AND outcome = 'applied')"
        " FROM inbox_webhookevent WHERE session_id <> '' GROUP BY session_id"
    )
    assert {session_id for session_id, _, _ in sessions} == {session_id for session_id, _ in results}
    assert [s for s, sequences, _ in sessions if sequences != list(range(1, len(sequences) + 1))] == []
    assert [s for s, _, ready in sessions if ready != 1] == []
    durations.sort()
    (ARTIFACTS / "connect-flows.txt").write_text(
        f"{FLOWS} flows in {LANES} lanes: p50 {durations[FLOWS // 2]:.2f} s, p95 {durations[int(FLOWS * 0.95)]:.2f} s\n"
    )
    for name in ("backend", "celery", "worker", "simulator"):
        assert stack.error_lines(name) == [], name
