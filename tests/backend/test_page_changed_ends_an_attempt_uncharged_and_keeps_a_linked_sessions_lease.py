"""session_disconnected PAGE_CHANGED: a never-linked attempt is failed, stays listed to say why, and is not charged;
a linked session is disconnected but keeps its lease (in the heartbeat's answer), shown as reconnecting."""

import pytest

from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.connects import account_create
from backend.accounts.services.limits import LimitReached
from backend.fleet.services.leases import worker_leases
from tests.backend.incidents_kit import changed_data
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def test_a_never_linked_attempt_is_failed_listed_and_uncharged(sender, workspace, worker_node, settings):
    settings.WORKSPACE_CONNECTS_PER_HOUR = 1
    account = account_create(workspace_id=workspace.pk)
    with pytest.raises(LimitReached):
        account_create(workspace_id=workspace.pk)

    sender.send("session_page_changed", account, data=changed_data())
    sender.send("session_disconnected", account, data={"reason": "PAGE_CHANGED"})

    account = WhatsAppAccount.objects.get(pk=account.pk)
    assert (account.status, account.status_reason, account.deleted_at) == ("failed", "PAGE_CHANGED", None)
    assert account.session_id not in worker_leases(worker_id=worker_node.id)["leases"]
    assert account_create(workspace_id=workspace.pk).status == "qr_scanning"  # the failed attempt was not charged


def test_a_linked_session_is_disconnected_and_keeps_its_lease(sender, workspace, worker_node):
    account = make_connected(workspace, worker=worker_node, lease_epoch=3, is_primary=True)

    sender.send("session_page_changed", account, data=changed_data())
    sender.send("session_disconnected", account, data={"reason": "PAGE_CHANGED"})

    account.refresh_from_db()
    assert (account.status, account.status_reason, account.is_primary) == ("disconnected", "PAGE_CHANGED", True)
    assert account.reconnecting
    assert worker_leases(worker_id=worker_node.id)["leases"][account.session_id]["epoch"] == 3
