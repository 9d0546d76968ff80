"""Which worker runs a session: the choice for a new one, and the move of one off a full worker.

Its own module because Connect, Reconnect, the start task, the failover and the drain all place sessions: by
free capacity, spreading each workspace's accounts across the workers, never on a dead or draining worker.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from backend.accounts.models import RUNNING_STATUSES, AccountStatus
from backend.accounts.services.locks import account_lock
from backend.fleet.commands import session_start_after_commit
from backend.fleet.models import WorkerNode
from backend.metrics import counters

log = logging.getLogger(__name__)


def worker_pick(*, workspace_id: int | None = None, avoid: str | None = None) -> WorkerNode | None:
    """The worker for a session of ``workspace_id``: live (a heartbeat within WORKER_HEARTBEAT_TIMEOUT_S; a worker
    just registered is not, until its first heartbeat), not draining, not ``avoid``, with free capacity
    (capacity minus the running sessions assigned to it). The one running the fewest of the workspace's
    accounts first (so that losing a worker loses few of any one workspace's), then the most free capacity,
    then by id; None when every such worker is full."""
    fresh = timezone.now() - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT_S)
    running = Q(accounts__deleted_at__isnull=True, accounts__status__in=RUNNING_STATUSES)
    mine = running & Q(accounts__workspace_id=workspace_id)
    candidates = (
        WorkerNode.objects.filter(is_alive=True, draining=False, revoked_at__isnull=True, last_heartbeat_at__gte=fresh)
        .exclude(id=avoid or "")
        .annotate(free=F("capacity") - Count("accounts", filter=running), mine=Count("accounts", filter=mine))
        .filter(free__gt=0)
        .order_by("mine", "-free", "id")
    )
    return candidates.first()


@transaction.atomic
def account_move_to_other_worker(*, account_id: int, session_id: str) -> WorkerNode | None:
    """The account's worker refused its session for lack of capacity: a new lease on another worker, started
    there (None if there is none, or if the session is no longer the account's or no longer waiting for a QR)."""
    _, account = account_lock(account_id=account_id)
    if account.is_deleted or account.session_id != session_id or account.status != AccountStatus.QR_SCANNING:
        return None
    worker = worker_pick(workspace_id=account.workspace_id, avoid=account.worker_id)
    if worker is None:
        return None
    log.info("session %s: moves from worker %s (full) to %s", session_id, account.worker_id, worker.id)
    account.lease_grant(worker)
    account.save(update_fields=["worker", "lease_epoch", "lease_expires_at", "updated_at"])
    session_start_after_commit(account_id=account.pk, session_id=account.session_id, epoch=account.lease_epoch)
    counters.session_moved(cause="capacity")
    return worker
