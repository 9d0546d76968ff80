"""The webhook counts each signed event by type and outcome once its transaction committed (applied, duplicate,
stale, refused...), and each refused request by its reason (wa_backend_events_total,
wa_backend_webhook_refusals_total)."""

import pytest
from django.test import Client

from backend.accounts.models import WhatsAppAccount
from shared import identity
from tests.backend.metrics_kit import count
from tests.backend.testkit import Sender, WorkerKey, make_account, qr_data

pytestmark = pytest.mark.django_db


def events(type: str, outcome: str) -> float:
    return count("wa_backend_events_total", type=type, outcome=outcome)


def refusals(reason: str, endpoint: str = "webhook") -> float:
    return count("wa_backend_webhook_refusals_total", endpoint=endpoint, reason=reason)


def test_an_applied_event_then_its_repeat_count_as_applied_then_duplicate(
    sender, workspace, django_capture_on_commit_callbacks
):
    account = make_account(workspace)
    event = sender.event("session_disconnected", account, data={"reason": "CONFLICT"})
    applied, duplicate = events("session_disconnected", "applied"), events("session_disconnected", "duplicate")
    with django_capture_on_commit_callbacks(execute=True):
        assert sender.post(event).json()["status"] == "applied"
    assert events("session_disconnected", "applied") == applied + 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sender.post(event).json()["status"] == "duplicate"
    assert events("session_disconnected", "applied") == applied + 1
    assert events("session_disconnected", "duplicate") == duplicate + 1


def test_a_stale_event_and_an_unknown_type_count_as_such(sender, workspace, django_capture_on_commit_callbacks):
    account = make_account(workspace)
    stale, unknown = events("qr_code_generated", "stale"), events("unknown", "ignored")
    with django_capture_on_commit_callbacks(execute=True):
        sender.send("qr_code_generated", account, data=qr_data(2), sequence=5)
        sender.send("qr_code_generated", account, data=qr_data(1), sequence=4)
        sender.send("battery_changed", account, data={"level": 80})
    assert events("qr_code_generated", "stale") == stale + 1
    assert events("unknown", "ignored") == unknown + 1  # a type nobody knows never becomes a label


def test_a_refused_webhook_counts_its_reason(worker_key, workspace):
    account = make_account(workspace, worker_id=worker_key.worker_id)
    bad_signature, unknown_worker = refusals("bad_signature"), refusals("unknown_worker")
    intruder = Sender(Client(), WorkerKey(worker_key.worker_id, identity.new_key_pair().private))
    assert intruder.post(intruder.event("qr_code_generated", account, data=qr_data())).status_code == 401
    assert Client().post("/api/v1/whatsapp/webhook", data=b"{}", content_type="application/json").status_code == 401
    assert (refusals("bad_signature"), refusals("unknown_worker")) == (bad_signature + 1, unknown_worker + 1)


def test_an_event_of_another_workers_session_counts_as_refused(sender, workspace):
    account = make_account(workspace)
    event = sender.event("qr_code_generated", account, data=qr_data())
    WhatsAppAccount.objects.filter(pk=account.pk).update(worker_id=None)
    refused, not_lease_holder = events("qr_code_generated", "refused"), refusals("not_lease_holder")
    assert sender.post(event).status_code == 403
    assert events("qr_code_generated", "refused") == refused + 1
    assert refusals("not_lease_holder") == not_lease_holder + 1
