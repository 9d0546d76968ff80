"""200 connect flows back to back through the live stack (in 4 lanes, to fit CI's time): Connect, QR,
scan, `connected` with the right number, then delete (the worker logs the session out and closes it). All
200 succeed, every event is applied at most once, and no process logs an error."""

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
    duplicates = stack.sql(
        "SELECT event_id FROM accounts_webhookevent GROUP BY event_id HAVING count(*) > 1"
    )  # the unique index makes this impossible; checked anyway
    assert duplicates == []
    applied_ready = stack.sql(
        "SELECT count(DISTINCT session_id) FROM accounts_webhookevent"
        " WHERE type = 'session_ready' AND outcome = 'applied'"
    )
    assert applied_ready == [(FLOWS,)]
    durations.sort()
    (ARTIFACTS / "connect-flows.txt").write_text(
        f"{FLOWS} flows in {LANES} lanes: p50 {durations[FLOWS // 2]:.2f} s, p95 {durations[int(FLOWS * 0.95)]:.2f} s\n"
    )
    for name in ("backend", "celery", "worker", "simulator"):
        assert stack.error_lines(name) == [], name
