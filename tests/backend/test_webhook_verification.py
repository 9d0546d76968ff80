"""The webhook answers 401 with the reason to anything not signed with the shared secret, before parsing."""

import time

import pytest
from django.test import Client

from backend.inbox.models import WebhookEvent
from shared.signing import new_secret
from tests.backend.testkit import Sender, make_account, qr_data

pytestmark = pytest.mark.django_db


def test_it_accepts_a_correctly_signed_event(sender, workspace):
    account = make_account(workspace)
    response = sender.post(sender.event("qr_code_generated", account, data=qr_data()))
    assert response.status_code == 200
    assert response.json()["status"] == "applied"


def test_it_refuses_a_signature_made_with_another_secret(workspace):
    account = make_account(workspace)
    intruder = Sender(Client(), new_secret())
    response = intruder.post(intruder.event("qr_code_generated", account, data=qr_data()))
    assert response.status_code == 401
    assert response.json()["error"] == "bad signature"
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
    assert response.json() == {"error": "missing header", "detail": "webhook-id"}


def test_it_refuses_a_timestamp_outside_five_minutes(sender, workspace):
    account = make_account(workspace)
    event = sender.event("qr_code_generated", account, data=qr_data())
    response = sender.post_raw(event.to_json(), event_id=event.id, timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert response.json()["error"] == "timestamp too old"


def test_it_only_allows_post(db):
    assert Client().get("/api/v1/whatsapp/webhook").status_code == 405
