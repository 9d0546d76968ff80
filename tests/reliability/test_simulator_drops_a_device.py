"""WhatsApp (the simulator) drops a linked device's connection for longer than the worker's grace period,
then lets it back: the account goes `disconnected (CONNECTION_LOST)` and back to `connected`, with the same
number and primary flag, without a QR; a drop shorter than the grace is not reported at all."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# The fault stack's worker has a CONNECTION_GRACE_S of 5 s (tests/reliability/conftest.py): the short drop below
# ends well within it.
PHONE = "4915123400601"


def statuses(stack, account_id: int) -> list[tuple[str, str]]:
    return stack.sql(
        "SELECT status, reason FROM accounts_accountstatuschange WHERE account_id = %s ORDER BY id", (account_id,)
    )


def page_states(stack, session_id: str, mark: int) -> list[str]:
    """The states of WhatsApp Web's socket the worker saw on the session's page since ``mark``."""
    return [r["socket_state"] for r in stack.worker_records(mark, msg="socket state", session_id=session_id)]


def test_a_dropped_device_is_reported_and_comes_back(fault_stack):
    stack = fault_stack
    pia = stack.make_people({"pia": "Pia's shop"})["pia"]
    account = stack.connect(workspace_id=pia.workspace_id, token=pia.token)
    session_id = account["session_id"]
    stack.link(account, phone_number=PHONE, token=pia.token)
    device = stack.phone.linked_device(PHONE)["device_id"]
    last = max(row[2] for row in stack.inbox(session_id))

    # A short drop: restored as soon as the worker has seen the page lose its connection.
    mark = stack.log_mark("worker")
    stack.phone.drop(device)
    stack.wait_until(lambda: "TIMEOUT" in page_states(stack, session_id, mark), within=30, what="connection lost")
    stack.phone.restore(device)
    stack.wait_until(
        lambda: page_states(stack, session_id, mark)[-1] == "CONNECTED", within=30, what="page connected again"
    )

    # A drop longer than the grace: reported, then back once restored.
    stack.phone.drop(device)
    stack.wait_until(
        lambda: statuses(stack, account["id"])[-1] == ("disconnected", "CONNECTION_LOST"),
        within=30,
        what="the lost connection reported",
    )
    stack.phone.restore(device)
    stack.wait_until(
        lambda: statuses(stack, account["id"])[-1] == ("connected", ""),
        within=30,
        what="the account connected again",
    )

    back = stack.account(account["id"], token=pia.token)
    assert (back["phone_number"], back["is_primary"]) == (PHONE, True)
    # Only the long drop was reported: the short one's grace ran out before the long one's (events of a
    # session are delivered in order), so a report of it would stand before these two.
    after = [row[1] for row in stack.inbox(session_id) if row[2] > last]
    assert after == ["session_disconnected", "session_ready"]
    assert [reason for _, reason in statuses(stack, account["id"])].count("CONNECTION_LOST") == 1
    stack.forget([account], token=pia.token)  # the stack as this test found it
