"""An operator revokes worker A (``manage.py worker_revoke worker-1``: a lost or compromised machine). From then
on every request signed with A's key is refused 401 ``revoked worker`` (A's own process says so in its /health),
and A's linked session comes back connected on worker B, opened from its stored auth state: no QR is generated
for it after the revoke, its status never goes back to scanning, and the simulator never sees its login on two
pages at once."""

from __future__ import annotations

import subprocess

import requests

from tests.harness.livestack import PYTHON, ROOT
from tests.security.attacker import A, Attacker, B


def test_a_revoked_worker_is_refused_and_its_sessions_move_without_a_qr(security_stack, victim):
    stack = security_stack
    [(inbox_mark, revoked_since)] = stack.sql("SELECT coalesce(max(id), 0), now() FROM inbox_webhookevent")

    revoke = subprocess.run([PYTHON, "backend/manage.py", "worker_revoke", A], cwd=ROOT, env=stack.django_env(),
                            capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    assert f"worker {A}: revoked at" in revoke.stdout

    a = Attacker(stack, process="worker")  # A's own key: what its process, or whoever copied it, signs with
    _, heartbeat = a.heartbeat(sessions={victim.session_id: {"state": "READY", "epoch": victim.epoch}})
    read = a.auth_state("GET", victim)
    assert [(r.status_code, r.json()["error"]) for r in (heartbeat, read)] == [(401, "revoked worker")] * 2
    stack.wait_until(
        lambda: (
            (requests.get(stack.worker_url + "/health", timeout=10).json()["backend_refusal"] or {}).get("error")
            == "revoked worker"
        ),
        within=60,
        what="A's own process refused as revoked",
    )

    moved = stack.wait_until(
        lambda: (
            stack.sql(
                "SELECT worker_id = %s AND status = 'connected' AND NOT moving AND last_epoch = lease_epoch"
                " FROM accounts_whatsappaccount WHERE id = %s",
                (B, victim.account_id),
            )
            == [(True,)]
        ),
        within=120,
        what="the revoked worker's session connected on B",
    )
    assert moved
    assert stack.worker_call_to("worker-2", "GET", f"/sessions/{victim.session_id}").json()["state"] == "READY"
    assert stack.phone.linked_device(victim.phone)["connected"]
    assert stack.phone.stats()["double_connections"] == 0
    qrs = stack.sql(
        "SELECT count(*) FROM inbox_webhookevent WHERE id > %s AND session_id = %s AND type = 'qr_code_generated'",
        (inbox_mark, victim.session_id),
    )
    statuses = stack.sql(
        "SELECT DISTINCT status FROM accounts_accountstatuschange WHERE account_id = %s AND at >= %s",
        (victim.account_id, revoked_since),
    )
    assert qrs == [(0,)]
    assert ("qr_scanning",) not in statuses and ("connected",) in statuses
