"""A proxy per workspace on the live stack: two workspaces, each with its own real proxy on loopback (Debian's
tinyproxy; one asks for a username and password). Each session's page loads and its WebSocket to WhatsApp Web
(the simulator) go through its own workspace's proxy and no other, and never direct: each proxy leaves from an
address of its own (tinyproxy's ``Bind``), and the simulator names the address every page of a device connected
from. Then the worker that runs one of the sessions is SIGKILLed: the session opens on another worker, from its
stored login, through the same proxy, with no QR.
"""

from __future__ import annotations

import pytest

from tests.harness.tinyproxy import Tinyproxy

pytestmark = pytest.mark.slow

# tinyproxy's outgoing address for each proxy: what the simulator sees a page connect from. Direct connections
# come from 127.0.0.1.
EXIT_A, EXIT_B = "127.0.0.2", "127.0.0.3"
PHONE_A, PHONE_B = "4915123409001", "4915123409002"


def process_of(stack, worker_id: str) -> str:
    return next(name for name in stack.worker_names if stack.worker_id(name) == worker_id)


def test_each_sessions_traffic_goes_through_its_workspaces_proxy_and_stays_there_on_failover(fleet_stack):
    stack = fleet_stack
    people = stack.make_people({"pia": "Pia's plants", "pablo": "Pablo's pans"})
    pia, pablo = people["pia"], people["pablo"]
    with (
        Tinyproxy(bind=EXIT_A) as proxy_a,
        Tinyproxy(bind=EXIT_B, auth=("pablo", "s3cret-pass")) as proxy_b,
    ):
        for person, body in (
            (pia, {"url": proxy_a.url}),
            (pablo, {"url": proxy_b.url, "username": "pablo", "password": "s3cret-pass"}),
        ):
            saved = stack.api("PUT", f"/api/v1/workspaces/{person.workspace_id}/proxy", token=person.token, json=body)
            assert saved.status_code == 200, saved.text
            assert "password" not in saved.json()

        accounts = {}
        for person, exit_address, phone_number in ((pia, EXIT_A, PHONE_A), (pablo, EXIT_B, PHONE_B)):
            account = stack.connect(workspace_id=person.workspace_id, token=person.token)
            qr = stack.wait_qr(account["id"], token=person.token)
            [shown] = [q for q in stack.phone.qrs() if q["qr"] == qr]
            assert shown["peer"] == exit_address  # the page that shows it connected through the proxy
            accounts[person.username] = stack.link(account, phone_number=phone_number, token=person.token)
            assert accounts[person.username]["proxy"] == (proxy_a if person is pia else proxy_b).address

        # Both pages, before and after the scan's reload, came from their own proxy's address alone.
        assert stack.phone.linked_device(PHONE_A)["peers"] == [EXIT_A]
        assert stack.phone.linked_device(PHONE_B)["peers"] == [EXIT_B]
        simulator = f"127.0.0.1:{stack.ports['simulator']}"
        for proxy in (proxy_a, proxy_b):  # the page's load and its WebSocket, in each proxy's own log
            log = proxy.log_text()
            assert f"GET http://{simulator}/" in log and f"CONNECT {simulator}" in log
        assert "407" not in proxy_a.log_text()

        # The worker that runs Pia's session dies; another opens it, through the same proxy, with no QR.
        pia_account = accounts["pia"]
        [(victim_id, qr_count)] = stack.sql(
            "SELECT worker_id, qr_count FROM accounts_whatsappaccount WHERE id = %s", (pia_account["id"],)
        )
        victim = process_of(stack, victim_id)
        stack.processes[victim].kill()
        stack.wait_until(
            lambda: (
                stack.sql(
                    "SELECT worker_id <> %s AND status = 'connected' AND NOT moving AND last_epoch = lease_epoch"
                    " FROM accounts_whatsappaccount WHERE id = %s",
                    (victim_id, pia_account["id"]),
                )
                == [(True,)]
            ),
            within=120,
            what="Pia's session connected on another worker",
        )
        assert stack.sql("SELECT qr_count FROM accounts_whatsappaccount WHERE id = %s", (pia_account["id"],)) == [
            (qr_count,)
        ]
        assert stack.phone.linked_device(PHONE_A)["peers"] == [EXIT_A]  # the new worker's page: the same proxy
        assert stack.phone.stats()["double_connections"] == 0
        timeline = stack.sql(
            "SELECT DISTINCT c.proxy FROM accounts_accountstatuschange c WHERE c.account_id = %s", (pia_account["id"],)
        )
        assert {proxy for (proxy,) in timeline} == {proxy_a.address}

        stack.forget([pia_account], token=pia.token)
        stack.forget([accounts["pablo"]], token=pablo.token)
    stack.start_again(victim)
