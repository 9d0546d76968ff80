"""Connect, detail with history, QR as SVG, reconnect, errors; the OpenAPI schema and docs."""

import pytest
from django.utils import timezone

from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.fleet.models import WorkerNode
from tests.backend.testkit import logged_in, make_account, qr_data, ready_data

pytestmark = pytest.mark.django_db


def test_connect_creates_an_account_and_starts_its_session_on_the_worker(
    owner, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(owner).post(f"/api/v1/workspaces/{workspace.pk}/accounts")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "qr_scanning"
    assert body["session_id"].startswith("wa_") and len(body["session_id"]) == 35
    assert body["worker_id"] == "worker-1"
    ((_, _, start),) = stand_in_worker.calls_to("POST", "/sessions")
    assert (start["session_id"], start["workspace_id"]) == (body["session_id"], str(workspace.pk))
    assert (start["epoch"], start["restore"]) == (1, False)  # its first lease; no auth state stored yet


def test_connect_picks_the_live_worker_with_most_free_capacity(owner, workspace):
    now = timezone.now()
    WorkerNode.objects.create(id="small", base_url="http://127.0.0.1:9", capacity=3, last_heartbeat_at=now)
    WorkerNode.objects.create(id="big", base_url="http://127.0.0.1:9", capacity=5, last_heartbeat_at=now)
    WorkerNode.objects.create(id="dead", base_url="http://127.0.0.1:9", capacity=50, is_alive=False)
    client = logged_in(owner)
    chosen = [client.post(f"/api/v1/workspaces/{workspace.pk}/accounts").json()["worker_id"] for _ in range(4)]
    # one workspace's accounts spread first (the worker running fewer of them), then the most free capacity
    assert chosen == ["big", "small", "big", "small"]


def test_connect_without_a_worker_answers_503(owner, workspace):
    response = logged_in(owner).post(f"/api/v1/workspaces/{workspace.pk}/accounts")
    assert response.status_code == 503
    assert response.json()["error"] == "no_worker"
    assert not WhatsAppAccount.objects.exists()


def test_the_detail_carries_the_status_history(owner, workspace, sender):
    account = make_account(workspace)
    sender.send("qr_code_generated", account, data=qr_data())
    sender.send("session_ready", account, data=ready_data("4915100000001"))
    body = logged_in(owner).get(f"/api/v1/accounts/{account.pk}").json()
    assert body["status"] == "connected"
    assert body["phone_number"] == "4915100000001"
    assert [h["status"] for h in body["history"]] == ["connected"]


def test_the_qr_is_served_as_svg_while_it_is_current(owner, workspace, sender):
    account = make_account(workspace)
    client = logged_in(owner)
    assert client.get(f"/api/v1/accounts/{account.pk}/qr.svg").status_code == 404
    sender.send("qr_code_generated", account, data=qr_data())
    response = client.get(f"/api/v1/accounts/{account.pk}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


def test_reconnect_gives_a_logged_out_account_a_new_session(
    owner, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    stand_in_worker.sessions["wa_old"] = "STOPPED"
    account = make_account(
        workspace, session_id="wa_old", status=AccountStatus.LOGGED_OUT, worker=worker_node, last_sequence=9
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(owner).post(f"/api/v1/accounts/{account.pk}/reconnect")
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.session_id != "wa_old"
    assert account.status == AccountStatus.QR_SCANNING
    assert account.last_sequence is None
    assert stand_in_worker.calls_to("DELETE", "/sessions/wa_old")
    assert stand_in_worker.calls_to("POST", "/sessions")[-1][2]["session_id"] == account.session_id


def test_reconnect_of_a_connected_account_is_a_conflict(owner, workspace, worker_node):
    account = make_account(workspace, status=AccountStatus.CONNECTED, phone_number="4915100000001")
    response = logged_in(owner).post(f"/api/v1/accounts/{account.pk}/reconnect")
    assert response.status_code == 409


def test_delete_tells_the_worker_to_log_the_session_out(
    owner, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    stand_in_worker.sessions["wa_gone"] = "READY"
    account = make_account(workspace, session_id="wa_gone", worker=worker_node)
    with django_capture_on_commit_callbacks(execute=True):
        assert logged_in(owner).delete(f"/api/v1/accounts/{account.pk}").status_code == 204
    assert stand_in_worker.calls_to("POST", "/sessions/wa_gone/logout")


def test_the_openapi_schema_and_docs_are_served(owner):
    schema = logged_in(owner).get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/workspaces/{workspace_id}/accounts" in text
    assert "/api/v1/accounts/{account_id}/qr.svg" in text
    assert logged_in(owner).get("/api/v1/docs/").status_code == 200
