"""The webhook answers 401 with the reason (and the backend's time) to anything not signed by a registered,
unrevoked worker with its own key, before parsing."""

import time

import pytest
from django.test import Client

from backend.fleet.services.identities import worker_revoke
from backend.inbox.models import WebhookEvent
from shared import identity
from tests.backend.testkit import Sender, WorkerKey, make_account, qr_data

pytestmark = pytest.mark.django_db


def test_it_accepts_a_correctly_signed_event(sender, workspace):
    account = make_account(workspace)
    response = sender.post(sender.event("qr_code_generated", account, data=qr_data()))
    assert response.status_code == 200
    assert response.json()["status"] == "applied"


def test_it_refuses_a_signature_made_with_another_key_than_the_workers(worker_key, workspace):
    account = make_account(workspace, worker_id=worker_key.worker_id)
    intruder = Sender(Client(), WorkerKey(worker_key.worker_id, identity.new_key_pair().private))
    response = intruder.post(intruder.event("qr_code_generated", account, data=qr_data()))
    assert response.status_code == 401
    assert response.json()["error"] == "bad signature"
    assert not WebhookEvent.objects.exists()


def test_it_refuses_a_revoked_worker_at_once(sender, worker_key, workspace):
    account = make_account(workspace, worker_id=worker_key.worker_id)
    worker_revoke(name=worker_key.worker_id)
    response = sender.post(sender.event("qr_code_generated", account, data=qr_data()))
    assert (response.status_code, response.json()["error"]) == (401, "revoked worker")
    assert not WebhookEvent.objects.exists()


def test_it_refuses_a_body_changed_after_signing(sender, workspace):
    account = make_account(workspace)
    event = sender.event("qr_code_generated", account, data=qr_data())
    body = event.to_json().replace(b"ref1", b"ref2")
    response = sender.post_raw(body, event_id=event.id, signed_body=event.to_json())
    assert response.status_code == 401
    assert response.json()["error"] == "bad signature"


def test_it_refuses_a_request_without_signature_headers(db):
    response = Client().post("/api/v1/whatsapp/webhook", data=b"{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "unknown worker"  # it names no registered worker: nothing else is tried
    assert abs(response.json()["server_time"] - time.time()) < 60  # the backend's clock, for a worker's skew


def test_it_refuses_a_timestamp_outside_five_minutes(sender, workspace):
    account = make_account(workspace)
    event = sender.event("qr_code_generated", account, data=qr_data())
    response = sender.post_raw(event.to_json(), event_id=event.id, timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert response.json()["error"] == "timestamp too old"


def test_it_only_allows_post(db):
    assert Client().get("/api/v1/whatsapp/webhook").status_code == 405
