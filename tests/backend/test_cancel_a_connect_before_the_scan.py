"""POST /api/v1/accounts/<id>/cancel (the Connect dialog closed before the scan): the worker is told to stop the
session's page; an account never linked leaves the list (its timeline keeps it); one linked before (a Reconnect)
is failed CANCELLED and can be reconnected; once the phone scanned it is too late (409) and nothing changes."""

import pytest

from backend.accounts.models import AccountStatus, AccountStatusChange, WhatsAppAccount
from tests.backend.testkit import logged_in, make_account

pytestmark = pytest.mark.django_db


def cancel(owner, account, capture):
    with capture(execute=True):
        return logged_in(owner).post(f"/api/v1/accounts/{account.pk}/cancel")


def test_an_attempt_never_linked_stops_its_page_and_leaves_the_list(
    owner, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    account = make_account(workspace, session_id="wa_waiting", worker=worker_node, qr_code="2@ref,a,b,c,1")
    response = cancel(owner, account, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response.json()["deleted"] is True
    assert stand_in_worker.calls_to("DELETE", "/sessions/wa_waiting")
    assert not WhatsAppAccount.live.filter(pk=account.pk).exists()
    listed = logged_in(owner).get(f"/api/v1/workspaces/{workspace.pk}/accounts").json()
    assert listed == []
    reasons = list(AccountStatusChange.objects.filter(account=account).order_by("at").values_list("status", "reason"))
    assert reasons[-2:] == [("failed", "CANCELLED"), ("failed", "DELETED:CANCELLED")]


def test_a_reconnect_of_a_linked_account_is_failed_cancelled_and_stays(
    owner, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    account = make_account(workspace, session_id="wa_again", worker=worker_node, phone_number="6281234567890")
    response = cancel(owner, account, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response.json()["deleted"] is False
    account.refresh_from_db()
    assert (account.status, account.status_reason, account.qr_code) == ("failed", "CANCELLED", "")
    assert stand_in_worker.calls_to("DELETE", "/sessions/wa_again")


def test_after_the_scan_it_is_too_late_and_nothing_changes(
    owner, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    account = make_account(workspace, session_id="wa_linking", worker=worker_node, status=AccountStatus.AUTHENTICATED)
    response = cancel(owner, account, django_capture_on_commit_callbacks)
    assert response.status_code == 409 and "linking" in response.json()["detail"]
    account.refresh_from_db()
    assert account.status == AccountStatus.AUTHENTICATED and account.deleted_at is None
    assert not stand_in_worker.calls_to("DELETE", "/sessions/wa_linking")
