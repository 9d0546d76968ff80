"""A proxy that failed its check before the page opened (PROXY_UNREACHABLE, PROXY_AUTH_FAILED): a new connect
attempt fails and stays in the list to say why, and is not charged against the workspace's connect limits; a linked
session is disconnected but keeps its lease (its worker retries it, no QR) and connects again as usual."""

import pytest

from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.connects import account_create
from backend.accounts.services.limits import LimitReached
from backend.fleet.services.leases import worker_leases
from backend.fleet.services.workers import worker_reconcile
from tests.backend.testkit import make_account, make_connected, ready_data

pytestmark = pytest.mark.django_db

REASONS = ["PROXY_UNREACHABLE", "PROXY_AUTH_FAILED"]


@pytest.mark.parametrize("reason", REASONS)
def test_a_new_attempt_fails_and_stays_listed(sender, workspace, reason):
    account = make_account(workspace, status="qr_scanning")

    sender.send("session_disconnected", account, data={"reason": reason})

    account = WhatsAppAccount.objects.get(pk=account.pk)
    assert (account.status, account.status_reason, account.deleted_at) == ("failed", reason, None)
    assert account.session_id not in worker_leases(worker_id="worker-1")["leases"]


def test_an_attempt_whose_proxy_failed_is_not_charged(sender, workspace, worker_node, settings):
    settings.WORKSPACE_CONNECTS_PER_HOUR = 1
    account = account_create(workspace_id=workspace.pk)
    with pytest.raises(LimitReached):
        account_create(workspace_id=workspace.pk)

    sender.send("session_disconnected", account, data={"reason": "PROXY_UNREACHABLE"})

    assert account_create(workspace_id=workspace.pk).status == "qr_scanning"


def test_an_attempt_that_failed_otherwise_is_still_charged(sender, workspace, worker_node, settings):
    settings.WORKSPACE_CONNECTS_PER_HOUR = 1
    account = account_create(workspace_id=workspace.pk)

    sender.send("session_error", account, data={"reason": "PAGE_TIMEOUT", "detail": "no boot"})

    with pytest.raises(LimitReached):
        account_create(workspace_id=workspace.pk)


@pytest.mark.parametrize("reason", REASONS)
def test_a_linked_session_keeps_its_lease_and_comes_back(sender, workspace, worker_node, reason):
    account = make_connected(workspace, worker=worker_node, lease_epoch=4, is_primary=True)

    sender.send("session_disconnected", account, data={"reason": reason})

    account.refresh_from_db()
    assert (account.status, account.status_reason, account.is_primary) == ("disconnected", reason, True)
    assert account.reconnecting
    assert worker_leases(worker_id=worker_node.id)["leases"][account.session_id]["epoch"] == 4
    # its worker reports it STARTING while it retries: reconciliation neither stops nor disconnects it again
    actions = worker_reconcile(
        worker_id=worker_node.id,
        reported={account.session_id: {"state": "STARTING", "epoch": 4}},
        observed_at=account.status_changed_at,
    )
    assert actions == {"stop": [], "disconnect": []}

    sender.send("session_authenticated", account)
    sender.send("session_ready", account, data=ready_data(account.phone_number))

    account.refresh_from_db()
    assert (account.status, account.is_primary) == ("connected", True)


def test_a_late_report_of_an_ended_attempt_does_not_run_it_again(sender, workspace):
    account = make_account(workspace, status="failed", status_reason="PROXY_UNREACHABLE")

    sender.send("session_disconnected", account, data={"reason": "PROXY_AUTH_FAILED"})

    account.refresh_from_db()
    assert (account.status, account.status_reason) == ("failed", "PROXY_UNREACHABLE")
