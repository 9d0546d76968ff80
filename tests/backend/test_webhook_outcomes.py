"""Every verified event lands in the inbox once, with what came of it; a repeat answers 200 unapplied."""

import pytest

from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.inbox.models import EventOutcome, WebhookEvent
from tests.backend.testkit import make_account, qr_data, ready_data

pytestmark = pytest.mark.django_db


def test_the_connect_flow_moves_the_account_to_connected(sender, workspace):
    account = make_account(workspace)
    sender.send("qr_code_generated", account, data=qr_data(1))
    account.refresh_from_db()
    assert account.status == AccountStatus.QR_SCANNING
    assert account.qr_code == qr_data(1)["qr"]
    assert account.qr_is_current()

    sender.send("session_authenticated", account)
    account.refresh_from_db()
    assert account.status == AccountStatus.AUTHENTICATED
    assert account.qr_code == ""

    sender.send("session_ready", account, data=ready_data("4915112345678", "Olivia"))
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED
    assert (account.phone_number, account.push_name, account.platform) == ("4915112345678", "Olivia", "android")
    assert account.is_primary  # the workspace's first connection
    assert account.last_sequence == 3
    assert [c.status for c in account.status_changes.all()] == ["authenticated", "connected"]
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {EventOutcome.APPLIED}


def test_a_repeated_event_id_answers_200_and_is_not_applied_again(sender, workspace):
    account = make_account(workspace)
    event = sender.event("session_disconnected", account, data={"reason": "CONFLICT"})
    assert sender.post(event).json()["status"] == "applied"
    account.refresh_from_db()
    changes = account.status_changes.count()
    WhatsAppAccount.objects.filter(pk=account.pk).update(status=AccountStatus.CONNECTED, last_sequence=None)

    response = sender.post(event)
    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED  # not disconnected a second time
    assert account.status_changes.count() == changes
    assert WebhookEvent.objects.filter(event_id=event.id).count() == 1


def test_an_unknown_type_is_recorded_as_ignored(sender, workspace):
    account = make_account(workspace)
    response = sender.post(sender.event("battery_changed", account, data={"level": 80}))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    inbox = WebhookEvent.objects.get()
    assert (inbox.type, inbox.outcome, inbox.applied_at) == ("battery_changed", EventOutcome.IGNORED, None)


def test_an_event_for_an_unknown_session_is_not_the_workers_and_nothing_is_stored(sender):
    response = sender.post(sender.event("session_authenticated", session_id="wa_nobody", workspace_id="1"))
    assert (response.status_code, response.json()["error"]) == (403, "not_lease_holder")
    assert not WebhookEvent.objects.exists()


def test_an_event_naming_another_workspace_is_refused_and_not_applied(sender, workspace, other_workspace):
    account = make_account(workspace)
    response = sender.post(sender.event("session_authenticated", account, workspace_id=str(other_workspace.pk)))
    assert (response.status_code, response.json()["error"]) == (403, "workspace_mismatch")
    account.refresh_from_db()
    assert account.status == AccountStatus.QR_SCANNING
    assert not WebhookEvent.objects.exists()


def test_an_event_of_an_unknown_type_is_kept_without_its_data(sender):
    response = sender.post(sender.event("worker_gossip", data={"secret": "of another tenant"}))
    assert response.json()["status"] == "ignored"
    assert WebhookEvent.objects.get().payload["data"] == {}


def test_a_deleted_account_is_not_changed_by_late_events(sender, workspace):
    account = make_account(workspace)
    from backend.accounts.services.endings import account_delete

    account_delete(account_id=account.pk)
    sender.send("session_ready", account, data=ready_data("4915112345678"))
    account.refresh_from_db()
    assert account.status == AccountStatus.QR_SCANNING
    assert account.phone_number is None
    assert WebhookEvent.objects.get().outcome == EventOutcome.IGNORED


def test_disconnect_reasons_map_to_statuses(sender, workspace):
    linked = make_account(workspace, status=AccountStatus.CONNECTED, phone_number="4915100000001")
    dropped = make_account(workspace, status=AccountStatus.CONNECTED, phone_number="4915100000002")
    waiting = make_account(workspace)
    erring = make_account(workspace)
    sender.send("session_disconnected", linked, data={"reason": "LOGOUT"})
    sender.send("session_disconnected", dropped, data={"reason": "CONNECTION_LOST"})
    sender.send("session_disconnected", waiting, data={"reason": "QR_EXPIRED"})
    sender.send("session_error", erring, data={"reason": "BROWSER_CRASHED", "detail": "target closed"})
    statuses = {a.pk: (a.status, a.status_reason) for a in WhatsAppAccount.objects.all()}
    assert statuses == {
        linked.pk: ("logged_out", "LOGOUT"),
        dropped.pk: ("disconnected", "CONNECTION_LOST"),
        waiting.pk: ("failed", "QR_EXPIRED"),
        erring.pk: ("failed", "BROWSER_CRASHED"),
    }


def test_the_stop_that_follows_an_expired_qr_keeps_the_account_failed(sender, workspace):
    account = make_account(workspace)
    sender.send("session_disconnected", account, data={"reason": "QR_EXPIRED"})
    sender.send("session_disconnected", account, data={"reason": "STOPPED"})
    account.refresh_from_db()
    assert (account.status, account.status_reason) == ("failed", "QR_EXPIRED")
