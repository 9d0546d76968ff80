"""Size, JSON and envelope checks: 413 over 256 KiB, 400 naming the bad field."""

import json

import pytest

from backend.inbox.models import WebhookEvent
from shared.events import MAX_BODY_BYTES
from tests.backend.testkit import make_account, ready_data

pytestmark = pytest.mark.django_db


def test_it_answers_413_to_a_body_over_256_kib(sender):
    response = sender.post_raw(b" " * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413


def test_it_answers_400_to_malformed_json(sender):
    response = sender.post_raw(b'{"id": "evt_1", ')
    assert response.status_code == 400
    assert response.json()["field"] == "$"


def test_it_answers_400_naming_the_invalid_field(sender, workspace):
    account = make_account(workspace)
    event = sender.event("session_ready", account, data=ready_data("4915100000001"))
    # make_event validates, so break the payload after it was built
    body = event.to_dict()
    body["data"] = {"phone_number": "+49 151", "pushname": "", "platform": "", "extraction_ms": 1}
    response = sender.post_raw(json.dumps(body).encode(), event_id=event.id)
    assert response.status_code == 400
    assert response.json()["field"] == "data.phone_number"
    assert not WebhookEvent.objects.exists()


def test_it_answers_400_when_the_event_id_is_not_the_webhook_id(sender, workspace):
    account = make_account(workspace)
    event = sender.event("session_authenticated", account)
    response = sender.post_raw(event.to_json(), event_id="evt_something_else")
    assert response.status_code == 400
    assert response.json()["field"] == "id"
