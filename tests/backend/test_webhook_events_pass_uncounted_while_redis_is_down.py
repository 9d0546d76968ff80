"""While Redis cannot be reached (a restart), the webhook's rate limits let requests through uncounted, with a
warning, instead of answering 500: a signed event is applied as ever (the database is up), an unsigned one is
still refused by its signature."""

import socket

import pytest

from backend.inbox.models import WebhookEvent
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"},
    }
    return port


def test_a_signed_event_is_applied_and_the_miss_logged(sender, workspace, redis_down, caplog):
    account = make_account(workspace)
    answer = sender.post(sender.event("session_authenticated", account, worker_id="worker-1"))
    assert answer.status_code == 200, answer.content
    assert WebhookEvent.objects.filter(type="session_authenticated").count() == 1
    assert "rate limit not counted: Redis unavailable" in caplog.text


def test_an_unsigned_request_is_still_refused(client, redis_down):
    answer = client.post("/api/v1/whatsapp/webhook", data=b"{}", content_type="application/json")
    assert answer.status_code == 401
