"""Webhook requests that do not verify (bad size, missing or wrong signature) are limited per client address
(WEBHOOK_UNVERIFIED_RATE): over it, 429 with Retry-After instead of 401. Verified events never count there, so
unsigned requests from a worker's address never make its events wait. Counted in Redis."""

import ipaddress

import pytest
import redis

from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db


def unsigned(sender, **extra):
    return sender.post_raw(b"{}", signed_body=b"something else", **extra)


def test_an_address_over_the_rate_gets_429_with_retry_after(sender, settings):
    settings.WEBHOOK_UNVERIFIED_RATE = "3/hour"
    assert [unsigned(sender, REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)] == [401, 401, 401]
    refused = unsigned(sender, REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate limited"
    assert 3500 <= int(refused["Retry-After"]) <= 3600  # the window started at the first of the three
    assert unsigned(sender, REMOTE_ADDR="10.0.0.2").status_code == 401  # another address has its own count


def test_a_verified_event_from_a_refused_address_is_still_accepted(sender, workspace, settings):
    settings.WEBHOOK_UNVERIFIED_RATE = "2/hour"
    account = make_account(workspace)
    for _ in range(3):
        unsigned(sender, REMOTE_ADDR="10.0.0.1")
    assert unsigned(sender, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert sender.post(sender.event("session_authenticated", account), REMOTE_ADDR="10.0.0.1").status_code == 200


def test_verified_events_do_not_count_against_the_address(sender, workspace, settings):
    settings.WEBHOOK_UNVERIFIED_RATE = "2/hour"
    account = make_account(workspace)
    statuses = [
        sender.post(sender.event("session_authenticated", account), REMOTE_ADDR="10.0.0.1").status_code
        for _ in range(5)
    ]
    assert statuses == [200] * 5
    assert [unsigned(sender, REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)] == [401, 401, 429]


def test_oversized_and_malformed_requests_count_too(sender, settings):
    settings.WEBHOOK_UNVERIFIED_RATE = "2/hour"
    assert sender.client.post("/api/v1/whatsapp/webhook", data=b"x" * 300_000, content_type="application/json",
                              REMOTE_ADDR="10.0.0.3").status_code == 413  # fmt: skip
    assert unsigned(sender, REMOTE_ADDR="10.0.0.3").status_code == 401
    assert unsigned(sender, REMOTE_ADDR="10.0.0.3").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(sender, settings):
    settings.WEBHOOK_UNVERIFIED_RATE = "2/hour"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    outsider = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert [unsigned(sender, **outsider).status_code for _ in range(3)] == [401, 401, 429]
    # the proxy's own address (a worker posting directly on the proxy's host) is not the outsider's
    assert unsigned(sender, REMOTE_ADDR="127.0.0.1").status_code == 401
    assert unsigned(sender, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 401


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(sender, settings):
    settings.WEBHOOK_UNVERIFIED_RATE = "2/hour"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    statuses = [
        unsigned(sender, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.1.1.{n}", HTTP_X_REAL_IP=f"10.2.2.{n}")
        for n in range(3)
    ]
    assert [s.status_code for s in statuses] == [401, 401, 429]  # all counted as 198.51.100.7


def test_the_counter_lives_in_redis(sender, settings, _isolated_redis_keys):
    unsigned(sender, REMOTE_ADDR="10.9.9.9")
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = client.keys(f"{_isolated_redis_keys}:*:ratelimit:webhook-unverified:10.9.9.9")
    assert len(keys) == 1  # the count, which expires when its window ends
    assert client.get(keys[0]) == b"1" and client.ttl(keys[0]) > 0
