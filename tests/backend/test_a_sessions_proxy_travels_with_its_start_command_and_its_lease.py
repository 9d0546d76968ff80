"""The proxy of a session (the account's own, else its workspace's, else none) travels with its start command and
its lease in the heartbeat's answer, password included; the account and its timeline name it (host:port only)."""

import pytest

from backend.accounts.models import AccountStatusChange
from backend.accounts.services.connects import account_create
from backend.accounts.services.endings import account_disconnect
from backend.egress.selectors import account_proxy
from backend.egress.services import account_proxy_set, workspace_proxy_set
from backend.fleet import tasks  # noqa: F401 (registers the start task, which the commands queue by name)
from tests.backend.testkit import logged_in, make_connected

pytestmark = pytest.mark.django_db


def heartbeat(sender, worker_node):
    return sender.send(
        "worker_heartbeat",
        worker_id="worker-1",
        data={"base_url": worker_node.base_url, "capacity": 10, "sessions": {}},
    )


def test_the_start_command_carries_the_workspaces_proxy(
    workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    workspace_proxy_set(workspace_id=workspace.pk, url="http://10.0.0.5:3128", username="tenant", password="pw")

    with django_capture_on_commit_callbacks(execute=True):
        account = account_create(workspace_id=workspace.pk)

    ((_, _, body),) = stand_in_worker.calls_to("POST", "/sessions")
    assert body["proxy"] == {"server": "http://10.0.0.5:3128", "username": "tenant", "password": "pw"}
    account.refresh_from_db()
    assert account.proxy_address == "10.0.0.5:3128"
    assert list(account.status_changes.values_list("reason", "proxy")) == [("CREATED", "10.0.0.5:3128")]


def test_a_session_without_a_proxy_starts_without_one(
    workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account = account_create(workspace_id=workspace.pk)

    ((_, _, body),) = stand_in_worker.calls_to("POST", "/sessions")
    assert "proxy" not in body
    assert account.status_changes.get().proxy == ""


def test_the_accounts_own_proxy_wins_over_the_workspaces(workspace, worker_node):
    account = make_connected(workspace, worker=worker_node)
    workspace_proxy_set(workspace_id=workspace.pk, url="http://shared.example:3128")
    assert account_proxy(account_id=account.pk, workspace_id=workspace.pk).address == "shared.example:3128"

    account_proxy_set(account_id=account.pk, url="socks5://own.example")

    assert account_proxy(account_id=account.pk, workspace_id=workspace.pk).server == "socks5://own.example:1080"


def test_the_heartbeats_leases_carry_the_proxy_and_the_timeline_names_it(sender, workspace, worker_node):
    direct = make_connected(workspace, worker=worker_node, lease_epoch=1)
    own = make_connected(workspace, worker=worker_node, lease_epoch=2)
    account_proxy_set(account_id=own.pk, url="https://own.example:8443", username="me", password="pw")

    leases = heartbeat(sender, worker_node)["leases"]

    assert "proxy" not in leases[direct.session_id]
    assert leases[own.session_id]["proxy"] == {"server": "https://own.example:8443", "username": "me", "password": "pw"}
    account_disconnect(account_id=own.pk, reason="CONNECTION_LOST")
    row = AccountStatusChange.objects.filter(account=own).last()
    assert (row.reason, row.proxy) == ("CONNECTION_LOST", "own.example:8443")


def test_the_account_and_its_history_name_the_proxy_in_the_api(
    workspace, owner, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    workspace_proxy_set(workspace_id=workspace.pk, url="http://10.0.0.5:3128", username="u", password="secret-pw")
    client = logged_in(owner)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(f"/api/v1/workspaces/{workspace.pk}/accounts").json()

    detail = client.get(f"/api/v1/accounts/{created['id']}")
    assert detail.json()["proxy"] == "10.0.0.5:3128"
    assert detail.json()["history"][0]["proxy"] == "10.0.0.5:3128"
    assert "secret-pw" not in detail.content.decode()
