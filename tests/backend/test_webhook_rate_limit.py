"""Over WEBHOOK_RATE_LIMIT_PER_MINUTE requests per minute from one IP: 429 with Retry-After (Redis cache)."""

import time

import pytest
import redis

from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _away_from_a_window_edge() -> None:
    """The counter's window is the clock's minute: start a test well inside one, so it counts in one."""
    if time.time() % 60 > 57:
        time.sleep(60 - time.time() % 60 + 0.05)


def test_it_answers_429_with_retry_after_over_the_limit(sender, workspace, settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 3
    account = make_account(workspace)
    statuses = [sender.send_status("session_authenticated", account) for _ in range(3)]
    assert statuses == [200, 200, 200]

    response = sender.post(sender.event("session_authenticated", account))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"] == "rate limited"


def test_the_limit_is_per_client_ip(sender, workspace, settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 1
    account = make_account(workspace)
    assert sender.post(sender.event("session_authenticated", account), REMOTE_ADDR="10.0.0.1").status_code == 200
    assert sender.post(sender.event("session_authenticated", account), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert sender.post(sender.event("session_authenticated", account), REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_counter_lives_in_redis(sender, workspace, settings, _isolated_redis_keys):
    account = make_account(workspace)
    sender.post(sender.event("session_authenticated", account), REMOTE_ADDR="10.9.9.9")
    keys = redis.Redis.from_url(settings.REDIS_URL).keys(f"{_isolated_redis_keys}:*:ratelimit:webhook:10.9.9.9:*")
    assert len(keys) == 1


def test_a_refused_signature_still_counts(sender, settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 2
    for _ in range(2):
        assert sender.post_raw(b"{}", signed_body=b"other").status_code == 401
    assert sender.post_raw(b"{}", signed_body=b"other").status_code == 429
