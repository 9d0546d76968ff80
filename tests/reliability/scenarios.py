"""The reliability scenarios that `make test` runs at the smallest size that proves their behaviour and `make
bench` at full scale (tests/bench/scale.py): many connect flows, first connections at once, the failover of a
killed worker, a connect through an outage of the backend.

Each runs on a started stack in workspaces of its own and returns what it saw: the facts the tests assert (and
the bench judges) and the times the bench reports. A step that never happens raises (TimeoutError, or an
AssertionError for a wrong answer on the way).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.harness.people import Person
from tests.reliability.stack import ReliabilityStack

PROCESSES = ("backend", "celery", "worker", "simulator")
ROOMY = {"max_accounts": 100_000, "connects_per_hour": 100_000, "connects_per_day": 100_000}
# A backend outage needs leases and heartbeats that outlast it: with the default 15 s the worker would stop the
# session for lack of renewal (a backend it cannot reach looks like a partition; that fencing has its own tests)
# and it would come back through `disconnected` LEASE_EXPIRED. The outage scenarios are about the outbox.
# The events of a login, without the ones beside it (the sync's progress, each page boot's build).
LINKING_EVENTS = frozenset({"qr_code_generated", "session_authenticated", "session_ready", "session_disconnected"})
OUTAGE_BACKEND = {"SESSION_LEASE_TTL_S": "300", "WORKER_HEARTBEAT_TIMEOUT_S": "300"}


def connect_flows(stack: ReliabilityStack, *, flows: int, lanes: int, username: str = "flo") -> dict[str, Any]:
    """``flows`` connect flows back to back in ``lanes`` lanes, in one workspace: Connect, QR, scan, `connected`
    with the right number, then delete (the worker logs the session out and closes it)."""
    person = stack.make_people({username: f"{username}'s shop"})[username]
    marks = {name: stack.log_mark(name) for name in PROCESSES}
    durations: list[float] = []

    def flow(n: int) -> tuple[dict, str]:
        started = time.monotonic()
        phone = f"4916{n:09d}"
        account = stack.connect(workspace_id=person.workspace_id, token=person.token)
        connected = stack.link(account, phone_number=phone, token=person.token, within=60)
        assert connected["phone_number"] == phone
        assert stack.api("DELETE", f"/api/v1/accounts/{account['id']}", token=person.token).status_code == 204
        durations.append(time.monotonic() - started)
        return account, connected["status"]

    def lane(first: int) -> list[tuple[dict, str]]:
        return [flow(n) for n in range(first, flows, lanes)]

    with ThreadPoolExecutor(lanes) as pool:
        results = [result for lane_results in pool.map(lane, range(lanes)) for result in lane_results]
    session_ids = [account["session_id"] for account, _ in results]
    # Each flow's session: every event it sent received (none lost, in order), connected exactly once.
    sessions = stack.sql(
        "SELECT session_id, array_agg(sequence ORDER BY id),"
        " count(*) FILTER (WHERE type = 'session_ready' AND outcome = 'applied')"
        " FROM inbox_webhookevent WHERE session_id = ANY(%s) GROUP BY session_id",
        (session_ids,),
    )
    stack.forget([account for account, _ in results], token=person.token)  # deleted: wait until they are closed
    return {
        "flows": flows,
        "lanes": lanes,
        "connected": sum(status == "connected" for _, status in results),
        "sessions_without_events": sorted(set(session_ids) - {s for s, _, _ in sessions}),
        "sessions_out_of_order": [s for s, sequences, _ in sessions if sequences != list(range(1, len(sequences) + 1))],
        "sessions_not_ready_once": [s for s, _, ready in sessions if ready != 1],
        "error_lines": {name: stack.error_lines_in(stack.processes[name].log()[marks[name] :]) for name in PROCESSES},
        "flow_s": sorted(durations),
    }


def first_connections_at_once(stack: ReliabilityStack, *, count: int, username: str = "dora") -> dict[str, Any]:
    """``count`` first connections in one workspace at once: Connect, then the phones link, all side by side."""
    mark = stack.log_mark("backend")
    person = stack.make_people({username: f"{username}'s shop"})[username]
    stack.set_limits(person.workspace_id, **ROOMY)  # whatever the stack's default limits
    phones = [f"49151234{n:05d}" for n in range(count)]
    started = time.monotonic()
    with ThreadPoolExecutor(count) as pool:
        accounts = list(pool.map(lambda _: stack.connect(workspace_id=person.workspace_id, token=person.token),
                                 range(count)))  # fmt: skip
        done = list(pool.map(lambda a, p: stack.link(a, phone_number=p, token=person.token), accounts, phones))
    took = time.monotonic() - started
    listed = stack.api("GET", f"/api/v1/workspaces/{person.workspace_id}/accounts", token=person.token).json()
    primaries = [a for a in listed if a["is_primary"]]
    inboxes = {a["session_id"]: stack.inbox(a["session_id"]) for a in accounts}
    return {
        "count": count,
        "all_connected_s": took,
        "numbers": sorted(a["phone_number"] for a in done) == phones,
        "listed": len(listed),
        "primaries": len(primaries),
        "primary_connected_first": bool(primaries)
        and primaries[0]["connected_at"] == min(a["connected_at"] for a in listed),
        "duplicate_events": [s for s, rows in inboxes.items() if len({row[0] for row in rows}) != len(rows)],
        "never_ready": [
            s for s, rows in inboxes.items() if "session_ready" not in [r[1] for r in rows if r[3] == "applied"]
        ],
        "backend_errors": stack.errors_since("backend", mark),
        "accounts": accounts,
        "token": person.token,
    }


def failover_of_a_killed_worker(
    stack: ReliabilityStack, *, workspaces: int, per_workspace: int, linking_at_once: int, prefix: str = "owner"
) -> dict[str, Any]:
    """Linked sessions in ``workspaces`` workspaces, each workspace's ``per_workspace`` accounts spread over the
    stack's three workers; then worker-2's whole process group is SIGKILLed and the others take its sessions."""
    people = stack.make_people({f"{prefix}{n}": f"Shop {prefix} {n}" for n in range(workspaces)})

    def link_workspace(numbered: tuple[int, Person]) -> list[tuple[dict, str]]:
        """One workspace's accounts, one after the other (so that placement spreads them over the workers)."""
        n, person = numbered
        linked = []
        for k in range(per_workspace):
            account = stack.connect(workspace_id=person.workspace_id, token=person.token)
            stack.link(account, phone_number=f"49151777{n:02d}{k:02d}", token=person.token)
            linked.append((account, person.token))
        return linked

    with ThreadPoolExecutor(linking_at_once) as phones:  # workspaces set up side by side
        by_workspace = list(phones.map(link_workspace, enumerate(people.values())))
    accounts = [linked for its_accounts in by_workspace for linked in its_accounts]
    ids = [account["session_id"] for account, _ in accounts]
    workspace_ids = [person.workspace_id for person in people.values()]
    stack.wait_until(
        lambda: (
            stack.sql(
                "SELECT count(*) FROM fleet_sessionauthstate s JOIN accounts_whatsappaccount a ON a.id = s.account_id"
                " WHERE a.session_id = ANY(%s)",
                (ids,),
            )[0][0]
            == len(ids)
        ),
        within=60,
        what="every session's auth state stored",
    )
    placed = dict(stack.sql("SELECT session_id, worker_id FROM accounts_whatsappaccount WHERE session_id = ANY(%s)",
                            (ids,)))  # fmt: skip
    spread = [
        len(stack.sql("SELECT DISTINCT worker_id FROM accounts_whatsappaccount WHERE workspace_id = %s", (w,)))
        for w in workspace_ids
    ]
    victims = [sid for sid, worker in placed.items() if worker == "worker-2"]
    qr_counts = stack.sql("SELECT session_id, qr_count FROM accounts_whatsappaccount WHERE session_id = ANY(%s)"
                          " ORDER BY session_id", (ids,))  # fmt: skip
    inbox_mark = stack.sql("SELECT coalesce(max(id), 0) FROM inbox_webhookevent")[0][0]

    killed_at = time.monotonic()
    stack.processes["worker-2"].kill()

    def all_moved() -> bool:
        rows = stack.sql(
            "SELECT worker_id, status, moving, last_epoch = lease_epoch FROM accounts_whatsappaccount "
            "WHERE session_id = ANY(%s)",
            (victims,),
        )
        return all(w != "worker-2" and s == "connected" and not m and ready for w, s, m, ready in rows)

    stack.wait_until(all_moved, within=120, what="the killed worker's sessions connected on the others")
    took = time.monotonic() - killed_at
    primaries = stack.sql(
        "SELECT count(*) FILTER (WHERE is_primary) FROM accounts_whatsappaccount"
        " WHERE workspace_id = ANY(%s) GROUP BY workspace_id",
        (workspace_ids,),
    )
    return {
        "sessions": len(ids),
        "victims": len(victims),
        "workers_used": sorted(set(placed.values())),
        "workers_per_workspace": spread,
        "failover_s": took,
        "qrs_after_kill": stack.sql(
            "SELECT session_id FROM inbox_webhookevent WHERE id > %s AND type = 'qr_code_generated'"
            " AND session_id = ANY(%s)",
            (inbox_mark, ids),
        ),
        "qr_counts_unchanged": stack.sql(
            "SELECT session_id, qr_count FROM accounts_whatsappaccount WHERE session_id = ANY(%s) ORDER BY session_id",
            (ids,),
        )
        == qr_counts,
        "double_connections": stack.phone.stats()["double_connections"],
        "not_connected": [
            a["id"] for a, token in accounts if stack.account(a["id"], token=token)["status"] != "connected"
        ],
        "primaries_per_workspace": sorted(count for (count,) in primaries),
        "moves": stack.sql(
            "SELECT count(*) FROM accounts_accountstatuschange c JOIN accounts_whatsappaccount a ON a.id = c.account_id"
            " WHERE a.session_id = ANY(%s) AND c.reason LIKE 'MOVING worker-2->%%'",
            (victims,),
        )[0][0],
        "accounts": accounts,
    }


def connect_through_a_backend_outage(
    stack: ReliabilityStack, *, outage_s: float, username: str = "bea", phone: str = "4915123400001"
) -> dict[str, Any]:
    """The backend stopped for ``outage_s`` between the QR and the scan; the account must still end connected
    once it is back, every event applied once, in the order the worker made them."""
    person = stack.make_people({username: f"{username}'s shop"})[username]
    account = stack.connect(workspace_id=person.workspace_id, token=person.token)
    qr = stack.wait_qr(account["id"], token=person.token)

    stack.processes["backend"].stop()
    stopped = time.monotonic()
    stack.scan(qr, phone_number=phone)
    stack.wait_until(
        lambda: stack.worker_session(account["session_id"])["state"] == "AUTHENTICATED",
        within=30,
        what="the session scanned on the worker",
    )
    # session_authenticated waits in the outbox; session_ready waits for the auth state to be stored.
    stack.wait_until(lambda: stack.outbox_depth() >= 1, within=30, what="session_authenticated queued")
    time.sleep(max(0.0, outage_s - (time.monotonic() - stopped)))
    outage = time.monotonic() - stopped
    stack.processes["backend"].start()
    back = time.monotonic()

    connected = stack.wait_status(account["id"], "connected", token=person.token, within=60)
    connected_s = time.monotonic() - back
    stack.wait_until(lambda: stack.outbox_depth() == 0, within=30, what="an empty outbox")
    inbox = stack.inbox(account["session_id"])
    return {
        "outage_s": outage,
        "connected_after_s": connected_s,
        "phone_number": connected["phone_number"] == phone,
        "is_primary": connected["is_primary"],
        "sequences_in_order": [sequence for _, _, sequence, _ in inbox] == list(range(1, len(inbox) + 1)),
        "outcomes": sorted({outcome for *_, outcome in inbox}),
        "last_linking_events": [t for _, t, _, _ in inbox if t in LINKING_EVENTS][-2:],
        "backend_errors": stack.error_lines("backend"),
        "account": account,
        "token": person.token,
    }
