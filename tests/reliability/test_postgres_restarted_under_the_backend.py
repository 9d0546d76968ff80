"""PostgreSQL goes down (fast shutdown: every connection cut) while a phone is being linked, and comes
back 10 s later: the backend, Celery and the worker recover without a restart of their own; the events
the worker sent meanwhile are delivered once it answers again, and the account ends `connected`.

The stack runs on a PostgreSQL cluster of its own (tests/reliability/private_services.py): the machine's
shared cluster serves other suites and is never restarted."""

from __future__ import annotations

import time

import pytest

from tests.reliability.conftest import running
from tests.reliability.private_services import private_postgres
from tests.reliability.stack import ReliabilityStack

# A private server restarted: never at the same time as the other such test (xdist group). While PostgreSQL is
# down the API answers 500 (tests/harness/server_errors.py: expected here, and only here).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("private-services"),
    pytest.mark.server_errors_expected("the API and the webhook answer 500 while PostgreSQL is down"),
]

OUTAGE_S = 10


@pytest.fixture(scope="module")
def postgres():
    with private_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def stack(postgres, tmp_path_factory):
    live = ReliabilityStack(tmp_path_factory.mktemp("postgres-restart-stack"))
    live.admin_db_url = postgres.url
    live.db_url = postgres.url.rsplit("/", 1)[0] + "/" + live.db_name
    with running(live, "test_postgres_restarted_under_the_backend") as started:
        yield started


def test_the_stack_recovers_from_a_postgres_restart_without_restarting(stack, postgres):
    lena = stack.make_people({"lena": "Lena's shop"})["lena"]
    token, workspace_id = lena.token, lena.workspace_id
    first = stack.connect(workspace_id=workspace_id, token=token)
    stack.link(first, phone_number="4915123400301", token=token)
    second = stack.connect(workspace_id=workspace_id, token=token)
    qr = stack.wait_qr(second["id"], token=token)
    pids = {name: process.popen.pid for name, process in stack.processes.items()}

    postgres.stop()
    stack.scan(qr, phone_number="4915123400302")  # the worker's webhooks now fail and are retried
    down = stack.api("GET", f"/api/v1/accounts/{second['id']}", token=token)
    assert down.status_code >= 500  # the API cannot answer without its database, and says so
    time.sleep(OUTAGE_S)
    postgres.start()

    stack.wait_status(second["id"], "connected", token=token, within=60)
    stack.wait_until(lambda: stack.outbox_depth() == 0, within=30, what="an empty outbox")
    third = stack.connect(workspace_id=workspace_id, token=token)  # a whole new flow, Celery included
    stack.link(third, phone_number="4915123400303", token=token)

    # The outage outlasted the first account's lease: its worker stopped it (fencing) and starts it again from
    # its kept auth once the backend answers, without a QR.
    stack.wait_status(first["id"], "connected", token=token, within=60)
    first_types = [row[1] for row in stack.inbox(first["session_id"])]
    assert first_types.count("qr_code_generated") == 1, first_types  # the one it was linked with
    assert {name: process.popen.pid for name, process in stack.processes.items()} == pids
    assert all(process.running for process in stack.processes.values())
    inbox = stack.inbox(second["session_id"])
    assert len({row[0] for row in inbox}) == len(inbox)
    assert [row[2] for row in inbox] == sorted(row[2] for row in inbox)
    listed = stack.api("GET", f"/api/v1/workspaces/{workspace_id}/accounts", token=token).json()
    assert [(a["status"], a["is_primary"]) for a in listed] == [
        ("connected", True),
        ("connected", False),
        ("connected", False),
    ]
