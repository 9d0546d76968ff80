"""GET /metrics: Prometheus' text, for the private listener only (deploy/nginx.conf; docs/operations.md).

Never on the public server: there nginx answers 404 for ``/metrics`` before the backend sees it, and the backend
answers 404 too to a request the public server forwarded (HTTPS there: ``X-Forwarded-Proto: https`` from a
trusted proxy). The private listener passes it on as plain (``X-Forwarded-Proto ""``), as it does the webhook.
With METRICS_TOKEN set, the request must also carry ``Authorization: Bearer <METRICS_TOKEN>`` (401 otherwise).

With PROMETHEUS_MULTIPROC_DIR set, the counts of every backend process of the host are summed from that directory
(prometheus_client's multiprocess mode); otherwise this process's own are served (with its process metrics).
Either way the database gauges are read now (collector.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from backend.metrics.collector import DatabaseCollector


class _ThisProcess:
    """This process's own metrics (the default registry), on the scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def _token_matches(request: HttpRequest) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), settings.METRICS_TOKEN.encode())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if request.is_secure():
        raise Http404  # it came through the public server
    if settings.METRICS_TOKEN and not _token_matches(request):
        response = HttpResponse("a bearer token is required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector())
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
