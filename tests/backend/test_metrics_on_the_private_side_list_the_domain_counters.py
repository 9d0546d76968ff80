"""GET /metrics, as the private listener passes it on (plain HTTP), lists the backend's domain counters at 0 before
anything happened, the request and database metrics of django-prometheus, and the database gauges; with
METRICS_TOKEN set it asks for that bearer token. Every ``wa_backend_`` name the pages name is served."""

import re

import pytest
from django.test import Client

from tests.backend.metrics_kit import scrape
from tests.harness.livestack import ROOT

pytestmark = pytest.mark.django_db

TOKEN = "t" * 40


def test_every_domain_counter_is_listed():
    Client().get("/healthz")  # a request and a query for django-prometheus to count
    names = {name for name, _labels in scrape()}
    assert {
        "wa_backend_events_total",
        "wa_backend_leases_granted_total",
        "wa_backend_leases_renewed_total",
        "wa_backend_leases_expired_total",
        "wa_backend_sessions_moved_total",
        "wa_backend_sessions_lost_total",
        "wa_backend_workers_marked_dead_total",
        "wa_backend_connect_attempts_total",
        "wa_backend_quota_refusals_total",
        "wa_backend_accounts",
        "wa_backend_workers_alive",
        "wa_backend_database_gauges_up",
        "django_http_requests_total_by_view_transport_method_total",
    } <= names
    samples = scrape()
    assert samples[("wa_backend_events_total", (("outcome", "duplicate"), ("type", "session_ready")))] >= 0
    assert samples[("wa_backend_quota_refusals_total", (("limit", "connects_per_day"),))] >= 0
    assert samples[("wa_backend_database_gauges_up", ())] == 1


def test_with_a_token_set_it_is_asked_for(settings):
    settings.METRICS_TOKEN = TOKEN
    refused = Client().get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert Client().get("/metrics", headers={"Authorization": "Bearer " + "u" * 40}).status_code == 401
    assert Client().get("/metrics", headers={"Authorization": TOKEN}).status_code == 401
    assert "wa_backend_events_total" in {name for name, _ in scrape(Authorization=f"Bearer {TOKEN}")}


def test_every_backend_metric_the_pages_name_is_served():
    named = set()
    for page in (ROOT / "docs").glob("*.md"):
        named |= set(re.findall(r"\bwa_backend_[a-z_]+[a-z]", page.read_text()))
    served = {name for name, _ in scrape()}
    served |= {name.removesuffix("_total") for name in served}
    assert len(named) > 10
    assert sorted(named - served) == []
