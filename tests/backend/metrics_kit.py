"""Reading the backend's metrics in tests: this process's counts (the tests run without PROMETHEUS_MULTIPROC_DIR),
and ``GET /metrics`` as the private listener passes it on."""

from __future__ import annotations

from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families


def count(name: str, **labels: str) -> float:
    """A sample's value in this process now (0 when it has none yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: Client | None = None, **headers: str) -> dict[tuple[str, tuple], float]:
    """``GET /metrics`` parsed: {(sample name, sorted labels): value}."""
    response = (client or Client()).get("/metrics", headers=headers)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }
