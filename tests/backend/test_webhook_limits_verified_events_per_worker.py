"""Authenticated webhook events are limited per worker (the worker that signed them) at WEBHOOK_WORKER_RATE: over it,
429 with Retry-After and nothing stored; another worker is not affected, wherever its requests come from."""

import pytest
from django.test import Client

from backend.inbox.models import WebhookEvent
from tests.backend.testkit import Sender, make_account, register_worker

pytestmark = pytest.mark.django_db


def test_a_worker_over_its_rate_gets_429_and_others_do_not(sender, workspace, settings):
    settings.WEBHOOK_WORKER_RATE = "3/hour"
    account = make_account(workspace)
    same_host = {"REMOTE_ADDR": "10.0.0.5"}
    statuses = [
        sender.post(sender.event("session_authenticated", account, worker_id="worker-1"), **same_host).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 200]

    refused = sender.post(sender.event("session_authenticated", account, worker_id="worker-1"), **same_host)
    assert refused.status_code == 429
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert refused.json()["detail"] == "over 3/hour events of worker worker-1"
    assert WebhookEvent.objects.count() == 3  # the refused event left nothing: the worker sends it again

    other = Sender(Client(), register_worker("worker-2"))
    account_of_other = make_account(workspace, worker_id="worker-2")
    assert other.post(other.event("session_authenticated", account_of_other), **same_host).status_code == 200


def test_the_default_ceiling_is_far_above_the_unverified_one(settings):
    from backend.ratelimit import parse_rate

    worker, unverified = parse_rate(settings.WEBHOOK_WORKER_RATE), parse_rate(settings.WEBHOOK_UNVERIFIED_RATE)
    assert worker[0] / worker[1] >= 100 * unverified[0] / unverified[1]
