"""An event older than (or as old as) the last one applied for its session is recorded, not applied."""

import pytest

from backend.accounts.models import AccountStatus
from backend.inbox.models import EventOutcome, WebhookEvent
from tests.backend.testkit import make_account, qr_data, ready_data

pytestmark = pytest.mark.django_db


def test_a_late_qr_never_undoes_connected(sender, workspace):
    account = make_account(workspace)
    sender.send("session_ready", account, data=ready_data("4915112345678"), sequence=7)
    late = sender.send("qr_code_generated", account, data=qr_data(3), sequence=5)
    assert late["status"] == "stale"
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED
    assert account.qr_code == ""
    assert account.last_sequence == 7
    assert WebhookEvent.objects.filter(outcome=EventOutcome.STALE).count() == 1


def test_an_event_with_the_same_sequence_is_stale(sender, workspace):
    account = make_account(workspace)
    sender.send("session_authenticated", account, sequence=4)
    assert sender.send("session_disconnected", account, data={"reason": "CONFLICT"}, sequence=4)["status"] == "stale"


def test_a_newer_event_applies_after_a_gap(sender, workspace):
    account = make_account(workspace)
    sender.send("qr_code_generated", account, data=qr_data(1), sequence=1)
    assert sender.send("session_ready", account, data=ready_data("4915112345678"), sequence=40)["status"] == "applied"
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED


def test_a_restored_session_ready_counts_after_a_disconnect(sender, workspace):
    account = make_account(workspace)
    sender.send("session_ready", account, data=ready_data("4915112345678"), sequence=10)
    sender.send("session_disconnected", account, data={"reason": "BROWSER_CRASHED"}, sequence=11)
    # The worker restarted and restored the session; its sequence kept growing on disk.
    sender.send("session_ready", account, data=ready_data("4915112345678"), sequence=12)
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED
    assert account.is_primary
