"""Fencing without the worker's help: worker A's Python is frozen (SIGSTOP: a debugger, a swap storm) past the
lease of its linked session, while its Chromium runs on. A cannot stop anything, so the session's page leaves
WhatsApp Web by itself once the lease's deadline it holds has passed; the backend then moves the session to
worker B, which opens it from its stored auth state. The simulator counts zero double connections (one login on
two pages at once), while A is frozen and after it wakes (SIGCONT) and finds the session is no longer its own."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.reliability.stack import ENDED
from tests.security.attacker import A, B


def descendants(pid: int) -> dict[int, tuple[str, str]]:
    """The process ``pid`` and all its descendants: pid -> (command name, state letter: "T" stopped)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        table[int(stat.parent.name)] = (name, rest[0], int(rest[1]))
    family, grew = {pid}, True
    while grew:
        children = {child for child, (_, _, parent) in table.items() if parent in family} - family
        family, grew = family | children, bool(children)
    return {member: table[member][:2] for member in family if member in table}


def test_a_frozen_workers_session_opens_on_another_worker_and_is_never_driven_twice(security_stack, victim):
    stack = security_stack
    device = stack.phone.linked_device(victim.phone)["device_id"]
    worker = stack.processes["worker"]
    pid = worker.popen.pid

    worker.signal(signal.SIGSTOP)
    try:
        states = stack.wait_until(
            lambda: (states := descendants(pid))[pid][1] == "T" and states, within=30, what="A's Python stopped"
        )
        assert any("chrom" in name and state != "T" for name, state in states.values()), states  # its Chromium runs
        stack.wait_until(
            lambda: (
                stack.sql(
                    "SELECT worker_id = %s AND status = 'connected' AND NOT moving AND last_epoch = lease_epoch"
                    " FROM accounts_whatsappaccount WHERE id = %s",
                    (B, victim.account_id),
                )
                == [(True,)]
            ),
            within=120,
            what="the frozen worker's session connected on B",
        )
        assert stack.worker_call_to("worker-2", "GET", f"/sessions/{victim.session_id}").json()["state"] == "READY"
        assert stack.phone.linked_device(victim.phone)["connected"]
        assert stack.phone.stats()["double_connections_by_device"].get(device, 0) == 0
        [(frozen_until,)] = stack.sql("SELECT now()")
    finally:
        worker.signal(signal.SIGCONT)

    stack.wait_until(
        lambda: (
            stack.sql(
                "SELECT is_alive AND last_heartbeat_at > %s FROM fleet_workernode WHERE id = %s", (frozen_until, A)
            )
            == [(True,)]
        ),
        within=60,
        what="A heard from again",
    )
    on_a = stack.wait_until(
        lambda: (
            (r := stack.worker_call_to("worker", "GET", f"/sessions/{victim.session_id}")).status_code == 404
            or r.json()["state"] in ENDED
        ),
        within=60,
        what="A no longer running the session",
    )
    assert on_a
    assert stack.phone.stats()["double_connections_by_device"].get(device, 0) == 0
    assert stack.phone.linked_device(victim.phone)["connected"]
    assert stack.sql("SELECT worker_id, status FROM accounts_whatsappaccount WHERE id = %s", (victim.account_id,)) == [
        (B, "connected")
    ]
    assert stack.worker_call_to("worker-2", "GET", f"/sessions/{victim.session_id}").json()["state"] == "READY"
