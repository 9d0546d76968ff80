"""Set-primary and delete sent at the same moment through the live API: every call answers a clear status
(no 5xx), and the workspace ends with exactly one primary among its live connected accounts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.scenarios import ROOMY

pytestmark = pytest.mark.slow


def primaries(stack, workspace_id: int, token: str) -> list[dict]:
    listed = stack.api("GET", f"/api/v1/workspaces/{workspace_id}/accounts", token=token).json()
    return [a for a in listed if a["is_primary"]]


def test_racing_set_primary_and_delete_leave_exactly_one_primary(wsgi_stack):
    stack = wsgi_stack
    mark = stack.log_mark("backend")
    fay = stack.make_people({"fay": "Fay's shop"})["fay"]
    token, workspace_id = fay.token, fay.workspace_id
    stack.set_limits(workspace_id, **ROOMY)  # the stack's default limits are small (the limits' own tests)
    accounts = [stack.connect(workspace_id=workspace_id, token=token) for _ in range(4)]
    for n, account in enumerate(accounts):
        stack.link(account, phone_number=f"491512345{n:04d}", token=token)
    first, second, third, fourth = (a["id"] for a in accounts)
    assert [a["id"] for a in primaries(stack, workspace_id, token)] == [first]

    def call(action: tuple[str, int]) -> int:
        verb, account_id = action
        if verb == "delete":
            return stack.api("DELETE", f"/api/v1/accounts/{account_id}", token=token).status_code
        return stack.api("POST", f"/api/v1/accounts/{account_id}/primary", token=token).status_code

    # Delete the primary while two others claim the flag; then delete an account while it claims the flag.
    rounds = [
        [("delete", first), ("primary", second), ("primary", third)],
        [("delete", second), ("primary", second), ("delete", third), ("primary", fourth)],
    ]
    for actions in rounds:
        with ThreadPoolExecutor(len(actions)) as pool:
            statuses = list(pool.map(call, actions))
        assert set(statuses) <= {200, 204, 404, 409}, statuses
        assert len(primaries(stack, workspace_id, token)) == 1

    [primary] = primaries(stack, workspace_id, token)
    assert primary["id"] == fourth and primary["status"] == "connected"
    assert stack.sql(
        "SELECT count(*) FROM accounts_whatsappaccount WHERE workspace_id = %s AND is_primary AND deleted_at IS NULL",
        (workspace_id,),
    ) == [(1,)]
    assert stack.errors_since("backend", mark) == []  # no IntegrityError, no 5xx, not even one retried
    stack.forget(accounts, token=token)  # the stack as this test found it
