"""While an incident is open, Connect and Reconnect start no session: 409 whatsapp_web_changed naming the build and
the changed members, saying no new scan is needed, with the incident's id; no attempt is charged."""

import pytest

from backend.accounts.models import AccountStatusChange, WhatsAppAccount
from tests.backend.incidents_kit import changed_data, workspaces
from tests.backend.testkit import logged_in, make_account, make_connected

pytestmark = pytest.mark.django_db


def test_connect_and_reconnect_answer_409(sender, workspace, owner, worker_node, stand_in_worker):
    first, second = (make_connected(w, worker=worker_node) for w in workspaces(2))
    sender.send("session_page_changed", first, data=changed_data())
    sender.send("session_page_changed", second, data=changed_data())
    failed = make_account(workspace, status="failed", status_reason="QR_EXPIRED", phone_number="4915199990000")
    client = logged_in(owner)

    connect = client.post(f"/api/v1/workspaces/{workspace.pk}/accounts")
    reconnect = client.post(f"/api/v1/accounts/{failed.pk}/reconnect")

    for response in (connect, reconnect):
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "whatsapp_web_changed" and isinstance(body["incident_id"], int)
        assert "2.3000.1020000000" in body["detail"] and "WAWebCmd missing module" in body["detail"]
        assert "no new scan is needed" in body["detail"]
    assert WhatsAppAccount.objects.filter(workspace=workspace).count() == 1
    assert not AccountStatusChange.objects.filter(account__workspace=workspace).exists()
    assert stand_in_worker.calls_to("POST", "/sessions") == []
