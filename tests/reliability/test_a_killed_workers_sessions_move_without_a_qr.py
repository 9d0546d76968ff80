"""Failover on the live stack: three workers, linked sessions in several workspaces (each workspace's accounts
spread over the workers); one worker's whole process group is SIGKILLed. Every session it drove is connected
again on the other two, opened from its stored auth state: no QR shown, the simulator never saw one login on
two pages, one primary per workspace. 30 sessions in 10 workspaces, ten per worker; `make bench` times the
same at 10 and 20 sessions on one victim (tests/bench/failover.py).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.harness.people import Person

pytestmark = pytest.mark.slow

STACK_OPTIONS = {"workers": 3}
LINKING_AT_ONCE = 4  # workspaces linking their phones at the same time while the 30 sessions are set up
WORKSPACES = 10
PER_WORKSPACE = 3


def test_every_session_of_a_killed_worker_is_connected_elsewhere_without_a_qr(stack):
    people = stack.make_people({f"owner{n}": f"Shop {n}" for n in range(WORKSPACES)})

    def link_workspace(numbered: tuple[int, Person]) -> list[tuple[dict, str]]:
        """One workspace's accounts, one after the other (so that placement spreads them over the workers)."""
        n, person = numbered
        linked = []
        for k in range(PER_WORKSPACE):
            account = stack.connect(workspace_id=person.workspace_id, token=person.token)
            stack.link(account, phone_number=f"49151777{n:02d}{k:02d}", token=person.token)
            linked.append((account, person.token))
        return linked

    with ThreadPoolExecutor(LINKING_AT_ONCE) as phones:  # workspaces set up side by side
        by_workspace = list(phones.map(link_workspace, enumerate(people.values())))
    accounts = [linked for its_accounts in by_workspace for linked in its_accounts]
    stack.wait_until(
        lambda: stack.sql("SELECT count(*) FROM fleet_sessionauthstate")[0][0] == len(accounts),
        within=60,
        what="every session's auth state stored",
    )
    placed = dict(stack.sql("SELECT session_id, worker_id FROM accounts_whatsappaccount"))
    assert sorted(set(placed.values())) == ["worker-1", "worker-2", "worker-3"]
    for person in people.values():  # each workspace spread over the three workers
        workers = stack.sql(
            "SELECT DISTINCT worker_id FROM accounts_whatsappaccount WHERE workspace_id = %s", (person.workspace_id,)
        )
        assert len(workers) == PER_WORKSPACE
    victims = {sid for sid, worker in placed.items() if worker == "worker-2"}
    qr_counts = dict(stack.sql("SELECT session_id, qr_count FROM accounts_whatsappaccount"))
    inbox_mark = stack.sql("SELECT coalesce(max(id), 0) FROM inbox_webhookevent")[0][0]

    killed_at = time.monotonic()
    stack.processes["worker-2"].kill()

    def all_moved() -> bool:
        rows = stack.sql(
            "SELECT worker_id, status, moving, last_epoch = lease_epoch FROM accounts_whatsappaccount "
            "WHERE session_id = ANY(%s)",
            (list(victims),),
        )
        return all(w != "worker-2" and s == "connected" and not m and ready for w, s, m, ready in rows)

    stack.wait_until(all_moved, within=120, what="the killed worker's sessions connected on the others")
    took = time.monotonic() - killed_at

    late_qrs = stack.sql(
        "SELECT session_id FROM inbox_webhookevent WHERE id > %s AND type = 'qr_code_generated'", (inbox_mark,)
    )
    assert late_qrs == []
    assert dict(stack.sql("SELECT session_id, qr_count FROM accounts_whatsappaccount")) == qr_counts
    assert stack.phone.stats()["double_connections"] == 0
    for account, token in accounts:
        assert stack.account(account["id"], token=token)["status"] == "connected"
    primaries = stack.sql(
        "SELECT workspace_id, count(*) FROM accounts_whatsappaccount WHERE is_primary GROUP BY workspace_id"
    )
    assert sorted(count for _, count in primaries) == [1] * WORKSPACES
    moves = stack.sql("SELECT count(*) FROM accounts_accountstatuschange WHERE reason LIKE 'MOVING worker-2->%%'")[0][0]
    assert moves == len(victims)
    print(f"failover of {len(victims)} sessions: connected elsewhere {took:.1f} s after the kill")
