"""Twenty first connections in one workspace at once, through a production-like live stack (gunicorn with
several processes, Celery, the worker, Chromium, the simulator, webhooks): all twenty end `connected` with
their own numbers, exactly one is primary, every event is applied once, and nothing raises (no
IntegrityError, no 5xx)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.slow

COUNT = 20


def test_twenty_connections_at_once_leave_one_primary(race_stack):
    stack = race_stack
    mark = stack.log_mark("backend")
    dora = stack.make_people({"dora": "Dora's shop"})["dora"]
    token, workspace_id = dora.token, dora.workspace_id
    phones = [f"49151234{n:05d}" for n in range(COUNT)]

    with ThreadPoolExecutor(COUNT) as pool:
        accounts = list(pool.map(lambda _: stack.connect(workspace_id=workspace_id, token=token), range(COUNT)))
        done = list(pool.map(lambda a, p: stack.link(a, phone_number=p, token=token), accounts, phones))

    assert sorted(a["phone_number"] for a in done) == phones
    listed = stack.api("GET", f"/api/v1/workspaces/{workspace_id}/accounts", token=token).json()
    assert len(listed) == COUNT
    assert sum(a["is_primary"] for a in listed) == 1
    [primary] = [a for a in listed if a["is_primary"]]
    assert primary["connected_at"] == min(a["connected_at"] for a in listed)  # the first to connect
    for account in accounts:
        inbox = stack.inbox(account["session_id"])
        assert len({row[0] for row in inbox}) == len(inbox)
        assert "session_ready" in [row[1] for row in inbox if row[3] == "applied"]
    assert stack.errors_since("backend", mark) == []  # no IntegrityError, no 5xx, not even one retried
