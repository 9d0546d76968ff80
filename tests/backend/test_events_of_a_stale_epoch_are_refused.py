"""An event from a lease the session no longer has (an epoch before a move) is answered 409 stale_epoch, which
tells the worker to stop driving the session but not the current epoch; nothing is applied or stored (the audit
log names the worker). The new lease's events apply whatever their sequence."""

import pytest

from backend.accounts.models import AccountStatus
from backend.inbox.models import WebhookEvent
from tests.backend.testkit import make_connected, ready_data

pytestmark = pytest.mark.django_db


def test_an_event_of_an_older_epoch_is_refused_without_the_current_one(sender, workspace, caplog):
    account = make_connected(workspace, lease_epoch=5, last_epoch=5, last_sequence=30)

    answer = sender.post(sender.event("session_disconnected", account, data={"reason": "CONFLICT"}, epoch=4))

    assert answer.status_code == 409
    assert answer.json()["error"] == "stale_epoch"
    assert "epoch" not in answer.json() and "5" not in answer.json()["detail"]
    assert "stop driving it" in answer.json()["detail"]
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED
    assert not WebhookEvent.objects.filter(session_id=account.session_id).exists()
    assert "audit: worker worker-1 refused: session_disconnected" in caplog.text


def test_the_new_leases_first_events_apply_though_their_sequence_starts_again(sender, workspace):
    account = make_connected(workspace, lease_epoch=2, last_epoch=1, last_sequence=90, moving=True)
    phone = account.phone_number

    applied = sender.send("session_ready", account, data=ready_data(phone), sequence=3)

    assert applied["status"] == "applied"
    account.refresh_from_db()
    assert (account.last_epoch, account.last_sequence, account.moving) == (2, 3, False)


def test_within_one_epoch_the_sequence_rule_holds(sender, workspace):
    account = make_connected(workspace, lease_epoch=2, last_epoch=2, last_sequence=9)
    late = sender.send("session_disconnected", account, data={"reason": "CONFLICT"}, sequence=8)
    assert late["status"] == "stale"
