"""Two sessions of one workspace link the same phone at the same moment: one live account survives with
that number (connected and primary), the other is replaced, and nothing raises."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.reliability.scenarios import ROOMY

PHONE = "4915123400777"


def test_the_same_phone_linked_twice_at_once_leaves_one_live_account(wsgi_stack):
    stack = wsgi_stack
    mark = stack.log_mark("backend")
    emil = stack.make_people({"emil": "Emil's shop"})["emil"]
    token, workspace_id = emil.token, emil.workspace_id
    stack.set_limits(workspace_id, **ROOMY)  # the stack's default limits are small (the limits' own tests)
    accounts = [stack.connect(workspace_id=workspace_id, token=token) for _ in range(2)]
    qrs = [stack.wait_qr(a["id"], token=token) for a in accounts]

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda qr: stack.scan(qr, phone_number=PHONE), qrs))

    def settled() -> list[dict] | None:
        listed = stack.api("GET", f"/api/v1/workspaces/{workspace_id}/accounts", token=token).json()
        return listed if len(listed) == 1 and listed[0]["status"] == "connected" else None

    [survivor] = stack.wait_until(settled, within=60, what="one live account for the phone")
    assert survivor["phone_number"] == PHONE
    assert survivor["is_primary"]
    rows = stack.sql(
        "SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(*) FROM accounts_whatsappaccount"
        " WHERE workspace_id = %s AND phone_number = %s",
        (workspace_id, PHONE),
    )
    assert rows == [(1, 2)]  # the other one is soft-deleted (replaced), not a second live row
    assert stack.errors_since("backend", mark) == []  # no IntegrityError, no 5xx, not even one retried
    stack.forget(accounts, token=token)  # the stack as this test found it
