"""A partition on the live stack: one of three workers is cut off from the backend (a TCP proxy between them
that the test closes) while it still reaches WhatsApp. It stops its sessions before their leases expire, the
other workers take them over from their stored auth states, and the simulator never sees one login on two
pages. When the network is back, the cut-off worker runs nothing of what moved and its late events are
refused (403 or 409: its lease is gone; audited, never stored nor applied)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_cut_off_worker_stops_first_and_its_sessions_move_without_a_qr(fleet_stack):
    stack = fleet_stack  # worker-3 reaches the backend through a proxy that the test cuts
    person = stack.make_people({"dana": "Dana's shop"})["dana"]
    accounts = []
    for k in range(3):  # one on each worker (a workspace's accounts spread)
        account = stack.connect(workspace_id=person.workspace_id, token=person.token)
        stack.link(account, phone_number=f"491517880{k:02d}", token=person.token)
        accounts.append(account)
    stack.wait_until(
        lambda: (
            stack.sql(
                "SELECT count(*) FROM fleet_sessionauthstate s JOIN accounts_whatsappaccount a ON a.id = s.account_id"
                " WHERE a.workspace_id = %s",
                (person.workspace_id,),
            )[0][0]
            == len(accounts)
        ),
        within=60,
        what="every session's auth state stored",
    )
    [(victim,)] = stack.sql(
        "SELECT session_id FROM accounts_whatsappaccount WHERE worker_id = 'worker-3' AND workspace_id = %s",
        (person.workspace_id,),
    )
    inbox_mark = stack.sql("SELECT coalesce(max(id), 0) FROM inbox_webhookevent")[0][0]

    mark = stack.log_mark("worker-3")
    stack.proxies["worker-3"].cut()

    stack.wait_until(
        lambda: stack.sql(
            "SELECT worker_id <> 'worker-3' AND status = 'connected' AND NOT moving AND last_epoch = lease_epoch "
            "FROM accounts_whatsappaccount WHERE session_id = %s",
            (victim,),
        )[0][0],
        within=120,
        what="the cut-off worker's session connected on another worker",
    )
    assert stack.phone.stats()["double_connections"] == 0
    assert "lease expired, stopping session" in stack.processes["worker-3"].log()[mark:]
    assert stack.sql(
        "SELECT count(*) FROM inbox_webhookevent WHERE id > %s AND type = 'qr_code_generated' AND session_id = ANY(%s)",
        (inbox_mark, [account["session_id"] for account in accounts]),
    ) == [(0,)]

    backend_mark = stack.log_mark("backend")
    stack.proxies["worker-3"].restore()
    stack.wait_until(
        lambda: "audit: worker worker-3 refused: " in late_refusals(stack, backend_mark, victim),
        within=60,
        what="the cut-off worker's late event refused (and audited)",
    )
    assert stack.sql(  # refused, so never stored
        "SELECT count(*) FROM inbox_webhookevent WHERE id > %s AND session_id = %s AND worker_id = 'worker-3'",
        (inbox_mark, victim),
    ) == [(0,)]
    stack.wait_until(
        lambda: stack.sql("SELECT is_alive FROM fleet_workernode WHERE id = 'worker-3'")[0][0],
        within=60,
        what="worker-3 heard from again",
    )
    view = stack.worker_call_to("worker-3", "GET", f"/sessions/{victim}")
    assert view.status_code == 404 or view.json()["state"] == "STOPPED", view.text
    assert stack.phone.stats()["double_connections"] == 0
    [(status, worker)] = stack.sql(
        "SELECT status, worker_id FROM accounts_whatsappaccount WHERE session_id = %s", (victim,)
    )
    assert status == "connected" and worker != "worker-3"
    stack.forget(accounts, token=person.token)  # the stack as this test found it


def late_refusals(stack, mark: int, session_id: str) -> str:
    """The backend's audit lines since ``mark`` about ``session_id``."""
    return "\n".join(line for line in stack.processes["backend"].log()[mark:].splitlines() if session_id in line)
