"""The gauges read from the database when Prometheus scrapes (two queries, through the selectors): accounts by
status and live workers. Registered only on ``/metrics``'s own registry (views.py), so nothing else queries."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily, Metric

from backend.accounts.models import AccountStatus
from backend.accounts.selectors import accounts_count_by_status
from backend.fleet.selectors import workers_alive

log = logging.getLogger(__name__)


class DatabaseCollector:
    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "wa_backend_database_gauges_up", "1 when the gauges below could be read from the database, else 0"
        )
        try:
            by_status = accounts_count_by_status()
            alive = workers_alive().count()
        except DatabaseError as exc:
            log.warning("metrics: the database gauges could not be read: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        accounts = GaugeMetricFamily("wa_backend_accounts", "Live (not deleted) accounts by status", labels=["status"])
        for status in AccountStatus.values:
            accounts.add_metric([status], by_status.get(status, 0))
        yield accounts
        yield GaugeMetricFamily(
            "wa_backend_workers_alive", "Registered, unrevoked workers heard from recently", value=alive
        )
