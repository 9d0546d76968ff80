"""A proxy that fails its check, on the live stack with real proxies (Debian's tinyproxy on loopback):

- a Connect through a stopped proxy, and one through a proxy that refuses the credentials, each end failed with
  ``PROXY_UNREACHABLE`` or ``PROXY_AUTH_FAILED``: no QR is ever shown, the account stays listed with the reason
  (the page names the proxy), and the attempt is not charged (a workspace at one connect an hour connects again);
- with the right password saved, Reconnect shows a QR through the proxy and links;
- a linked session whose proxy is down when its worker restarts reports ``PROXY_UNREACHABLE`` (reconnecting,
  its login kept) and comes back connected with no QR once the proxy is up again.
"""

from __future__ import annotations

import time

import pytest

from tests.harness.tinyproxy import Tinyproxy

pytestmark = pytest.mark.slow

PHONE_LINKED, PHONE_FIXED = "4915123409011", "4915123409012"


def qr_events(stack, session_id: str) -> list:
    return [row for row in stack.inbox(session_id) if row[1] == "qr_code_generated"]


def wait_failed(stack, account: dict, reason: str, *, token: str) -> float:
    """Seconds from now until the account is failed for ``reason``."""
    started = time.monotonic()
    failed = stack.wait_status(account["id"], "failed", token=token, within=60)
    assert failed["status_reason"] == reason, failed
    return time.monotonic() - started


def test_a_dead_proxy_or_refused_credentials_end_the_connect_without_a_qr_or_a_charge(fault_stack):
    stack = fault_stack
    people = stack.make_people({"dora": "Dora's dead proxy", "wes": "Wes's wrong password"})
    dora, wes = people["dora"], people["wes"]
    with (
        Tinyproxy() as dead,
        Tinyproxy(bind="127.0.0.5", auth=("wes", "right-password")) as strict,
    ):
        dead.stop()  # its port answers nothing now
        for person, body in (
            (dora, {"url": dead.url}),
            (wes, {"url": strict.url, "username": "wes", "password": "wrong-password"}),
        ):
            stack.set_limits(person.workspace_id, connects_per_hour=1)
            saved = stack.api("PUT", f"/api/v1/workspaces/{person.workspace_id}/proxy", token=person.token, json=body)
            assert saved.status_code == 200, saved.text

        failures = {}
        for person, reason in ((dora, "PROXY_UNREACHABLE"), (wes, "PROXY_AUTH_FAILED")):
            account = stack.connect(workspace_id=person.workspace_id, token=person.token)
            took = wait_failed(stack, account, reason, token=person.token)
            print(f"{reason}: the account failed {took:.1f} s after Connect")
            assert qr_events(stack, account["session_id"]) == []
            shown = stack.account(account["id"], token=person.token)
            assert shown["qr"] in ("", None) and shown["qr_count"] == 0
            assert shown["proxy"] == (dead if person is dora else strict).address  # the page names it
            failures[person.username] = account
        assert "127.0.0.5" not in {p for d in stack.phone.devices() for p in d["peers"]}  # nothing went through

        # Not charged: each workspace, at one connect an hour, may connect again; with the right password, Wes's
        # Reconnect shows a QR through the proxy and links.
        saved = stack.api(
            "PUT",
            f"/api/v1/workspaces/{wes.workspace_id}/proxy",
            token=wes.token,
            json={"url": strict.url, "username": "wes", "password": "right-password"},
        )
        assert saved.status_code == 200, saved.text
        again = stack.api("POST", f"/api/v1/accounts/{failures['wes']['id']}/reconnect", token=wes.token)
        assert again.status_code in (200, 201), again.text
        linked = stack.link(failures["wes"], phone_number=PHONE_FIXED, token=wes.token)
        assert linked["status"] == "connected"
        assert stack.phone.linked_device(PHONE_FIXED)["peers"] == ["127.0.0.5"]
        retry = stack.api("POST", f"/api/v1/workspaces/{dora.workspace_id}/accounts", token=dora.token)
        assert retry.status_code == 201, retry.text  # its first attempt cost nothing
        wait_failed(stack, retry.json(), "PROXY_UNREACHABLE", token=dora.token)

        # A linked session whose proxy is down when its worker starts again: reconnecting, then back, no QR.
        qrs_before = len(qr_events(stack, linked["session_id"]))
        stack.processes["worker"].stop()
        strict.stop()
        stack.start_again("worker")
        down = stack.wait_status(linked["id"], "disconnected", token=wes.token, within=60)
        assert down["status_reason"] == "PROXY_UNREACHABLE"
        strict.start()
        stack.wait_status(linked["id"], "connected", token=wes.token, within=120)
        assert len(qr_events(stack, linked["session_id"])) == qrs_before
        assert stack.phone.linked_device(PHONE_FIXED)["peers"] == ["127.0.0.5"]

        stack.forget([failures["dora"], retry.json()], token=dora.token)
        stack.forget([linked], token=wes.token)
