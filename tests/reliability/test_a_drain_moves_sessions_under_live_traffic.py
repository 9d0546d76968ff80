"""Drain on the live stack, under traffic: `manage.py worker_drain worker-2` moves every session off it (each
released with its final auth state, then opened on another worker: no QR), while new accounts of another
workspace connect and link meanwhile: none is placed on the draining worker and all succeed. The simulator
never sees one login on two pages."""

from __future__ import annotations

import subprocess
import threading

import pytest

from tests.harness.livestack import PYTHON, ROOT

pytestmark = pytest.mark.slow


def test_every_session_moves_off_the_drained_worker_and_new_ones_avoid_it(fleet_stack):
    stack = fleet_stack
    people = stack.make_people({"erin": "Erin's shop", "finn": "Finn's shop"})
    erin, finn = people["erin"], people["finn"]
    linked = []
    for k in range(6):  # two on each worker
        account = stack.connect(workspace_id=erin.workspace_id, token=erin.token)
        stack.link(account, phone_number=f"491517990{k:02d}", token=erin.token)
        linked.append(account)
    stack.wait_until(
        lambda: (
            stack.sql(
                "SELECT count(*) FROM fleet_sessionauthstate s JOIN accounts_whatsappaccount a ON a.id = s.account_id"
                " WHERE a.workspace_id = %s",
                (erin.workspace_id,),
            )[0][0]
            == 6
        ),
        within=60,
        what="every session's auth state stored",
    )
    drained = {
        sid
        for (sid,) in stack.sql(
            "SELECT session_id FROM accounts_whatsappaccount WHERE worker_id = 'worker-2' AND workspace_id = %s",
            (erin.workspace_id,),
        )
    }
    assert drained
    inbox_mark = stack.sql("SELECT coalesce(max(id), 0) FROM inbox_webhookevent")[0][0]

    result: dict[str, subprocess.CompletedProcess] = {}

    def drain() -> None:
        result["drain"] = subprocess.run(
            [PYTHON, "backend/manage.py", "worker_drain", "worker-2", "--batch", "2", "--timeout", "240"],
            env=stack.django_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    draining = threading.Thread(target=drain)
    draining.start()
    stack.wait_until(
        lambda: stack.sql("SELECT draining FROM fleet_workernode WHERE id = 'worker-2'")[0][0],
        within=60,
        what="worker-2 draining",
    )
    new_accounts = []
    for k in range(3):  # live traffic meanwhile
        account = stack.connect(workspace_id=finn.workspace_id, token=finn.token)
        assert account["worker_id"] != "worker-2"
        stack.link(account, phone_number=f"491517991{k:02d}", token=finn.token)
        new_accounts.append(account)
    draining.join(300)

    done = result["drain"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(drained)} of {len(drained)} moved, 0 left" in done.stdout
    rows = stack.sql(
        "SELECT worker_id, status FROM accounts_whatsappaccount WHERE session_id = ANY(%s)", (list(drained),)
    )
    assert all(worker != "worker-2" for worker, _ in rows)
    stack.wait_until(
        lambda: all(
            ok
            for (ok,) in stack.sql(
                "SELECT status = 'connected' AND NOT moving AND last_epoch = lease_epoch "
                "FROM accounts_whatsappaccount WHERE session_id = ANY(%s)",
                (list(drained),),
            )
        ),
        within=60,
        what="the drained sessions connected on their new workers",
    )
    assert stack.sql(
        "SELECT count(*) FROM inbox_webhookevent WHERE id > %s AND type = 'qr_code_generated' AND session_id = ANY(%s)",
        (inbox_mark, list(drained)),
    ) == [(0,)]
    assert stack.phone.stats()["double_connections"] == 0
    for account in new_accounts:
        assert stack.account(account["id"], token=finn.token)["status"] == "connected"

    # The stack as this test found it: worker-2 takes sessions again (as `worker_drain --undo` does), none of this
    # test's sessions runs.
    stack.sql("UPDATE fleet_workernode SET draining = false WHERE id = 'worker-2' RETURNING id")
    stack.forget(linked, token=erin.token)
    stack.forget(new_accounts, token=finn.token)
