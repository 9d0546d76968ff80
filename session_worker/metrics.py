"""Prometheus metrics in a registry per app, so that tests can build several apps in one process."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shared.events import SessionState

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60)


@dataclasses.dataclass
class Metrics:
    registry: CollectorRegistry
    sessions: Gauge
    qr_latency: Histogram
    scan_to_ready: Histogram
    phone_extraction: Histogram
    deliveries: Counter
    retries: Counter
    outbox_depth: Gauge
    browser_up: Gauge
    restarts: Counter
    warm_pages: Gauge
    warm_page_adoptions: Counter
    warm_pages_target: Gauge
    page_loads: Counter
    proxy_failures: Counter
    sessions_by_build: Gauge
    page_changed: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        metrics = cls(
            registry=registry,
            sessions=Gauge("wa_worker_sessions", "Sessions by state", ["state"], registry=registry),
            qr_latency=Histogram(
                "wa_worker_qr_latency_seconds",
                "From a start request to the first QR on the page",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            scan_to_ready=Histogram(
                "wa_worker_scan_to_ready_seconds",
                "From the scan (the page leaves the QR) to the session being ready with its phone number",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            phone_extraction=Histogram(
                "wa_worker_phone_extraction_seconds",
                "From hasSynced to the phone number read",
                buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
                registry=registry,
            ),
            deliveries=Counter(
                "wa_worker_webhook_deliveries", "Webhook delivery outcomes", ["outcome"], registry=registry
            ),
            retries=Counter("wa_worker_webhook_retries", "Webhook attempts that will be retried", registry=registry),
            outbox_depth=Gauge("wa_worker_outbox_depth", "Events waiting to be delivered", registry=registry),
            browser_up=Gauge("wa_worker_browser_up", "1 while the browser is connected", registry=registry),
            restarts=Counter(
                "wa_worker_session_restarts", "Sessions restarted after a crash", ["cause"], registry=registry
            ),
            warm_pages=Gauge(
                "wa_worker_warm_pages",
                "Pages of the warm page pool: ready (a QR showing) or warming (loading)",
                ["state"],
                registry=registry,
            ),
            warm_page_adoptions=Counter(
                "wa_worker_warm_page_adoptions", "Sessions that started on a warm page", registry=registry
            ),
            warm_pages_target=Gauge(
                "wa_worker_warm_pages_target",
                "Pages the warm page pool means to hold now: WARM_PAGES_MAX while sessions start, WARM_PAGES_MIN idle",
                registry=registry,
            ),
            page_loads=Counter(
                "wa_worker_page_loads",
                "WhatsApp Web page loads the worker started: for the warm page pool (warm) or a session (session)",
                ["purpose"],
                registry=registry,
            ),
            proxy_failures=Counter(
                "wa_worker_proxy_failures",
                "Checks of a session's proxy that failed before its page opened, by reason",
                ["reason"],
                registry=registry,
            ),
            sessions_by_build=Gauge(
                "wa_worker_sessions_by_build",
                "Live sessions by the WhatsApp Web build their page last booted clean on",
                ["build"],
                registry=registry,
            ),
            page_changed=Counter(
                "wa_worker_page_changed",
                "Page boots that lacked members the worker uses (WhatsApp Web changed)",
                registry=registry,
            ),
        )
        for state in SessionState:
            metrics.sessions.labels(state=state.value).set(0)
        for state in ("ready", "warming"):
            metrics.warm_pages.labels(state=state).set(0)
        for purpose in ("warm", "session"):
            metrics.page_loads.labels(purpose=purpose)
        return metrics

    def refresh_sessions(self, sessions: Iterable[Any]) -> None:
        """The gauges of the sessions: by state, and the live ones by the build their page booted on."""
        sessions = list(sessions)
        counts = collections.Counter(session.state for session in sessions)
        for state in SessionState:
            self.sessions.labels(state=state.value).set(counts.get(state, 0))
        builds = collections.Counter(s.build for s in sessions if s.active and s.build is not None)
        self.sessions_by_build.clear()
        for build, count in builds.items():
            self.sessions_by_build.labels(build=build).set(count)
