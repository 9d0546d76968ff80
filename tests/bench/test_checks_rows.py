"""The checks measure's reference (HMAC's v1) checks what it should, and its figures reach the table, each cost
beside the webhook's latency of the same run."""

import time

import pytest

from shared.signing import VerificationError
from tests.bench.checks import heartbeat_event, hmac_secret, hmac_sign, hmac_verify, verify_costs
from tests.bench.report import rows
from tests.bench.rows_capacity import _checks_rows


def test_the_hmac_reference_accepts_its_signature_and_nothing_else():
    secret, body = hmac_secret(), heartbeat_event("bench-checks", 3).to_json()
    headers = hmac_sign(secret, "msg_1", int(time.time()), body)
    assert hmac_verify([secret], headers, body) == "msg_1"
    with pytest.raises(VerificationError):
        hmac_verify([secret], headers, body + b" ")
    with pytest.raises(VerificationError):
        hmac_verify([hmac_secret()], headers, body)


def test_costs_are_measured_for_both_bodies():
    costs = verify_costs(2)
    assert set(costs) == {"qr_code_generated", "worker_heartbeat_100"}
    assert costs["worker_heartbeat_100"]["bytes"] > costs["qr_code_generated"]["bytes"]
    assert all(c["ed25519_v1a"]["median_us"] > 0 and c["hmac_sha256_v1"]["median_us"] > 0 for c in costs.values())


def _checks() -> dict:
    def part(ms: float) -> dict:
        return {"wall_ms": {"median": ms, "min": ms}, "cpu_ms": {"median": ms / 2, "min": ms / 2}}

    verify = {
        "what": "a qr_code_generated",
        "bytes": 467,
        "ed25519_v1a": {"median_us": 100.0},
        "hmac_sha256_v1": {"median_us": 5.0},
        "ratio": 20.0,
    }
    return {
        "verify": {"qr_code_generated": verify},
        "authenticate": {"authenticate": part(0.5), "lookup": part(0.4), "verify": part(0.1)},
    }


def test_each_cost_is_a_share_of_the_webhooks_p50():
    latency = {"n": 10, "p50": 0.005, "p95": 0.008, "p99": 0.01, "max": 0.01, "mean": 0.005}
    ingest = {"gunicorn": {"levels": {"1": {"events": {"latency_s": latency}}}}}
    found = {row.measure: row.ours for row in _checks_rows(_checks(), ingest)}
    assert "Ed25519 100.0 µs, HMAC-SHA256 5.0 µs (20x, +95 µs)" in found[next(m for m in found if "467" in m)]
    share = found["Checks' share of the webhook round trip, gunicorn, 1 sender(s)"]
    assert share.startswith("authentication 0.50 ms = 10% of p50 5.0 ms (p99 10.0 ms)")


def test_without_ingest_the_share_is_not_made_up():
    found = [row for row in rows({"checks": _checks()}) if row.measure.startswith("Checks' share")]
    assert [row.ours for row in found] == ["n/a: run with ingest"]
