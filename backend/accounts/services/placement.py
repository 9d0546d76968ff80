"""Which worker runs a session: the choice for a new one, and the move of one off a full worker.

Its own module because Connect, Reconnect and the start task all place sessions, and because it is where
placement rules grow (per-workspace limits, spreading a workspace's accounts, where a dead worker's sessions
go).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q

from backend.accounts.models import RUNNING_STATUSES, AccountStatus, WorkerNode
from backend.accounts.services.common import account_lock

log = logging.getLogger(__name__)


def worker_ensure_default() -> None:
    """Register DEFAULT_WORKER_URL's worker, so that `make run` can connect before its first heartbeat."""
    if settings.DEFAULT_WORKER_URL:
        WorkerNode.objects.get_or_create(
            id=settings.DEFAULT_WORKER_ID,
            defaults={"base_url": settings.DEFAULT_WORKER_URL, "capacity": settings.DEFAULT_WORKER_CAPACITY},
        )


def worker_pick(*, avoid: str | None = None) -> WorkerNode | None:
    """The live worker with the most free capacity (capacity minus the running sessions assigned to it),
    ties by id; None when every live worker is full."""
    worker_ensure_default()
    running = Q(accounts__deleted_at__isnull=True, accounts__status__in=RUNNING_STATUSES)
    candidates = (
        WorkerNode.objects.filter(is_alive=True)
        .exclude(id=avoid or "")
        .annotate(free=F("capacity") - Count("accounts", filter=running))
        .filter(free__gt=0)
        .order_by("-free", "id")
    )
    return candidates.first()


@transaction.atomic
def account_move_to_other_worker(*, account_id: int, session_id: str) -> WorkerNode | None:
    """The account's worker refused its session for lack of capacity: assign the freest other worker
    (None if there is none, or if the session is no longer the account's or no longer waiting for a QR)."""
    _, account = account_lock(account_id=account_id)
    if account.is_deleted or account.session_id != session_id or account.status != AccountStatus.QR_SCANNING:
        return None
    worker = worker_pick(avoid=account.worker_id)
    if worker is None:
        return None
    log.info("session %s: moves from worker %s (full) to %s", session_id, account.worker_id, worker.id)
    account.worker = worker
    account.save(update_fields=["worker", "updated_at"])
    return worker
