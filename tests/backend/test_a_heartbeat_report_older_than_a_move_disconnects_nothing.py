"""A heartbeat reports a session STOPPED, and reconciliation read the account before locking it. If the session
moved meanwhile (a drain or a failover committed a new lease on another worker), the report no longer applies:
the account stays connected on its new worker. The same report, still true under the lock, disconnects it."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.fleet.models import WorkerNode
from backend.fleet.services.workers import account_disconnect_if_still_reported
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def report(account, *, worker_id: str, epoch: int) -> bool:
    return account_disconnect_if_still_reported(
        account_id=account.pk,
        worker_id=worker_id,
        epoch=epoch,
        reason="WORKER_STOPPED",
        observed_at=timezone.now() + dt.timedelta(seconds=1),
    )


def test_a_report_about_the_old_lease_leaves_a_moved_session_connected(workspace, worker_node):
    other = WorkerNode.objects.create(id="worker-2", base_url="http://127.0.0.1:9", last_heartbeat_at=timezone.now())
    account = make_connected(workspace, worker=worker_node, lease_epoch=1)
    account.lease_grant(other)  # what a drain's or a failover's move commits
    account.save()

    assert report(account, worker_id="worker-1", epoch=1) is False
    account.refresh_from_db()
    assert (account.status, account.worker_id, account.lease_epoch) == ("connected", "worker-2", 2)


def test_a_report_that_still_applies_disconnects(workspace, worker_node):
    account = make_connected(workspace, worker=worker_node, lease_epoch=1)

    assert report(account, worker_id="worker-1", epoch=1) is True
    account.refresh_from_db()
    assert (account.status, account.status_reason) == ("disconnected", "WORKER_STOPPED")
