"""The domain counters, ``wa_backend_...`` (the worker's are ``wa_worker_...``), and the calls that count them.

A change is counted once its transaction commits (``transaction.on_commit``; at once outside a transaction): a
rolled-back write counts nothing. A refusal is counted when it is answered, whatever its transaction does. Labels
take values from short fixed sets only (an unknown event type is counted as ``unknown``). Under gunicorn and
Celery each process counts its own; with PROMETHEUS_MULTIPROC_DIR set they share one directory and ``/metrics``
sums them (views.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from prometheus_client import Counter

from shared.events import EventType
from shared.signing import Reason

EVENTS = Counter("wa_backend_events", "Worker events received by the webhook, by type and outcome", ["type", "outcome"])
REFUSALS = Counter(
    "wa_backend_webhook_refusals",
    "Requests to the workers' endpoints refused, by endpoint (webhook, auth_state) and reason",
    ["endpoint", "reason"],
)
LEASES_GRANTED = Counter("wa_backend_leases_granted", "Session leases granted (a connect, a move, a restart)")
LEASES_RENEWED = Counter("wa_backend_leases_renewed", "Session leases renewed by their workers' heartbeats")
LEASES_EXPIRED = Counter(
    "wa_backend_leases_expired", "Leases that expired on a dead worker and were acted on (moved or lost)"
)
SESSIONS_MOVED = Counter(
    "wa_backend_sessions_moved", "Sessions moved to another worker, by cause (failover, drain, capacity)", ["cause"]
)
SESSIONS_LOST = Counter(
    "wa_backend_sessions_lost", "Sessions of a dead worker that could not move (disconnected WORKER_LOST)"
)
WORKERS_DEAD = Counter("wa_backend_workers_marked_dead", "Workers marked dead for want of heartbeats")
CONNECT_ATTEMPTS = Counter(
    "wa_backend_connect_attempts", "Connect attempts started (a new QR session), by kind (create, reconnect)", ["kind"]
)
QUOTA_REFUSALS = Counter(
    "wa_backend_quota_refusals",
    "Connect attempts refused at a workspace limit (limit_reached), by limit",
    ["limit"],
)
INCIDENTS_OPENED = Counter(
    "wa_backend_incidents_opened", "Incidents opened: WhatsApp Web changed the same way in several workspaces"
)

KNOWN_EVENT_TYPES = frozenset(str(t) for t in EventType)
# The reasons of refusal (refusals.py, inbox/views.py and receive.py, fleet/api/auth_state.py); others are "other".
UNVERIFIED_REASONS = (
    "bad_request",
    "payload_too_large",
    "too_large",
    "unknown_worker",
    "revoked_worker",
    *(str(r).replace(" ", "_") for r in Reason),
    "rate_limited",
)
WEBHOOK_REASONS = ("invalid_event", "not_lease_holder", "workspace_mismatch", "worker_mismatch", "stale_epoch")
EVENT_OUTCOMES = ("applied", "stale", "ignored", "duplicate", "refused")


def _after_commit(count: Callable[[], None]) -> None:
    transaction.on_commit(count)


def event_received(*, type: str, outcome: str) -> None:
    """An event stored in the inbox (applied, stale, ignored) counts once that commits; a duplicate or a refused
    one, whose transaction is rolled back by design, counts at once."""
    sample = EVENTS.labels(type=type if type in KNOWN_EVENT_TYPES else "unknown", outcome=outcome)
    if outcome in ("duplicate", "refused"):
        sample.inc()
    else:
        _after_commit(sample.inc)


def refused(*, endpoint: str, reason: str) -> None:
    reason = reason.strip().lower().replace(" ", "_")
    known = reason in UNVERIFIED_REASONS or (endpoint == "webhook" and reason in WEBHOOK_REASONS)
    REFUSALS.labels(endpoint=endpoint, reason=reason if known else "other").inc()


def leases_granted(count: int = 1) -> None:
    _after_commit(lambda: LEASES_GRANTED.inc(count))


def leases_renewed(count: int) -> None:
    if count:
        _after_commit(lambda: LEASES_RENEWED.inc(count))


def lease_expired(*, moved: bool) -> None:
    """A dead worker's expired lease acted on: its session moved (``session_moved`` counts that) or was lost."""

    def count() -> None:
        LEASES_EXPIRED.inc()
        if not moved:
            SESSIONS_LOST.inc()

    _after_commit(count)


def session_moved(*, cause: str) -> None:
    _after_commit(lambda: SESSIONS_MOVED.labels(cause=cause).inc())


def workers_marked_dead(count: int) -> None:
    if count:
        _after_commit(lambda: WORKERS_DEAD.inc(count))


def connect_attempt(*, kind: str) -> None:
    _after_commit(lambda: CONNECT_ATTEMPTS.labels(kind=kind).inc())


def quota_refused(*, limit: str) -> None:
    QUOTA_REFUSALS.labels(limit=limit).inc()


def incident_opened() -> None:
    _after_commit(INCIDENTS_OPENED.inc)


# Every known label value from the start (at 0), so that rate() and increase() see a series before its first count.
for _type in (*sorted(KNOWN_EVENT_TYPES), "unknown"):
    for _outcome in EVENT_OUTCOMES:
        EVENTS.labels(type=_type, outcome=_outcome)
for _reason in (*UNVERIFIED_REASONS, *WEBHOOK_REASONS):
    REFUSALS.labels(endpoint="webhook", reason=_reason)
for _reason in UNVERIFIED_REASONS:
    REFUSALS.labels(endpoint="auth_state", reason=_reason)
for _cause in ("failover", "drain", "capacity"):
    SESSIONS_MOVED.labels(cause=_cause)
for _kind in ("create", "reconnect"):
    CONNECT_ATTEMPTS.labels(kind=_kind)
for _limit in ("accounts", "connects_per_hour", "connects_per_day"):
    QUOTA_REFUSALS.labels(limit=_limit)
