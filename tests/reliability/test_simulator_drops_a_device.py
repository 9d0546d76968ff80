"""WhatsApp (the simulator) drops a linked device's connection for longer than the worker's grace period,
then lets it back: the account goes `disconnected (CONNECTION_LOST)` and back to `connected`, with the same
number and primary flag, without a QR; a drop shorter than the grace is not reported at all."""

from __future__ import annotations

import time

import pytest

from tests.reliability.stack import wait_until

pytestmark = pytest.mark.slow

STACK_OPTIONS = {"worker_env": {"CONNECTION_GRACE_S": "2"}}


def statuses(stack, account_id: int) -> list[tuple[str, str]]:
    return stack.sql(
        "SELECT status, reason FROM accounts_accountstatuschange WHERE account_id = %s ORDER BY id", (account_id,)
    )


def device_of(stack, phone: str) -> str:
    [device] = [d for d in stack.phone("GET", "/devices")["devices"] if d["phone_number"] == phone]
    return device["device_id"]


def test_a_dropped_device_is_reported_and_comes_back(stack):
    pia = stack.make_people({"pia": "Pia's shop"})["pia"]
    token = pia["token"]
    account = stack.connect(workspace_id=pia["workspace_id"], token=token)
    stack.link(account, phone_number="4915123400601", token=token)
    device = device_of(stack, "4915123400601")
    last = max(row[2] for row in stack.inbox(account["session_id"]))

    stack.phone("POST", f"/devices/{device}/drop")
    time.sleep(0.5)  # well within the grace period
    stack.phone("POST", f"/devices/{device}/restore")
    time.sleep(3)
    assert statuses(stack, account["id"])[-1] == ("connected", "")

    stack.phone("POST", f"/devices/{device}/drop")
    wait_until(
        lambda: statuses(stack, account["id"])[-1] == ("disconnected", "CONNECTION_LOST"),
        within=30,
        what="the lost connection reported",
    )
    stack.phone("POST", f"/devices/{device}/restore")
    wait_until(
        lambda: statuses(stack, account["id"])[-1] == ("connected", ""),
        within=30,
        what="the account connected again",
    )
    back = stack.account(account["id"], token=token)
    assert (back["phone_number"], back["is_primary"]) == ("4915123400601", True)
    after = [row[1] for row in stack.inbox(account["session_id"]) if row[2] > last]
    assert after == ["session_disconnected", "session_ready"]
