"""A session its worker is bringing back itself (a crashed page reopening, a lost connection awaited) is
`disconnected` meanwhile, but still wanted on that worker: the heartbeat's answer keeps listing its lease, or
the worker would let it go half-way through the reopen. A session whose link is gone is not listed any more."""

import pytest

from backend.accounts.services.endings import account_disconnect
from backend.fleet.services.leases import worker_leases
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reason", ["BROWSER_CRASHED", "CONNECTION_LOST"])
def test_a_session_being_brought_back_stays_listed(workspace, worker_node, reason):
    account = make_connected(workspace, worker=worker_node, lease_epoch=3)

    account_disconnect(account_id=account.pk, reason=reason)

    account.refresh_from_db()
    assert (account.status, account.status_reason) == ("disconnected", reason)
    assert worker_leases(worker_id=worker_node.id)["leases"][account.session_id]["epoch"] == 3


@pytest.mark.parametrize("reason", ["LOGOUT", "UNPAIRED", "CONFLICT", "STOPPED"])
def test_a_session_that_ended_is_no_longer_listed(workspace, worker_node, reason):
    account = make_connected(workspace, worker=worker_node, lease_epoch=3)

    account_disconnect(account_id=account.pk, reason=reason)

    assert account.session_id not in worker_leases(worker_id=worker_node.id)["leases"]
