"""The REST API is throttled (DRF, counted in Redis on the real client address): per user, per address when
anonymous, and POST /api/v1/auth/token far stricter, per address. Over a rate: 429 with Retry-After."""

import ipaddress

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def rates(monkeypatch, settings, **rates: str) -> None:
    """DRF's throttles read their rates once, at import: lower them where they read them."""
    from rest_framework.throttling import SimpleRateThrottle

    lowered = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", lowered)


def test_a_user_over_the_rate_gets_429_with_retry_after(owner, settings, monkeypatch):
    rates(monkeypatch, settings, user="3/hour")
    client = APIClient()
    client.force_authenticate(owner)
    assert [client.get("/api/v1/workspaces").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/workspaces")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert "throttled" in refused.json()["detail"]


def test_anonymous_requests_are_counted_per_address(settings, monkeypatch):
    rates(monkeypatch, settings, anon="2/hour")
    client = APIClient()  # the schema is the API's public page (others answer 401 before any throttle)
    assert [client.get("/api/v1/schema/", REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/schema/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_token_logins_are_counted_per_real_address_behind_the_proxy(settings, monkeypatch):
    rates(monkeypatch, settings, auth_token="2/hour")
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    client = APIClient()

    def guess(address: str) -> int:
        body = {"username": "olivia", "password": "wrong"}
        return client.post(
            "/api/v1/auth/token", body, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address
        ).status_code

    assert [guess("203.0.113.1") for _ in range(3)] == [400, 400, 429]
    assert guess("203.0.113.2") == 400


def test_the_token_login_is_the_strictest_rate(settings):
    from backend.ratelimit import parse_rate

    configured = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    per_second = {scope: n / s for scope, (n, s) in ((k, parse_rate(v)) for k, v in configured.items())}
    assert per_second["auth_token"] < per_second["anon"] < per_second["user"]
