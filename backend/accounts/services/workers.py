"""The session workers: registration by heartbeat, reconciliation of what they run with what should run
there, and marking the silent ones dead. What a report does to an account is the account services' business."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.accounts.models import ENDED_STATUSES, LINKED_STATUSES, StatusReason, WhatsAppAccount, WorkerNode
from backend.accounts.services.accounts import account_disconnect
from backend.accounts.services.common import session_start_after_commit, session_stop_after_commit
from shared.events import SessionState

log = logging.getLogger(__name__)

# The worker's session states that mean the session is not running.
NOT_RUNNING_STATES = frozenset({SessionState.DISCONNECTED, SessionState.FAILED, SessionState.STOPPED})


@transaction.atomic
def worker_heartbeat(
    *,
    worker_id: str,
    base_url: str,
    capacity: int,
    sessions: Mapping[str, str],
    observed_at: dt.datetime | None = None,
) -> WorkerNode:
    """Register or refresh the worker, then reconcile its sessions with what should run there."""
    # FOR NO KEY UPDATE: it must not block the KEY SHARE lock that inserting an account assigned to this
    # worker takes (a reconnect holds its workspace lock meanwhile, which the reconciliation below may need).
    worker, created = WorkerNode.objects.select_for_update(no_key=True).get_or_create(
        id=worker_id, defaults={"base_url": base_url, "capacity": capacity}
    )
    revived = not worker.is_alive
    worker.base_url = base_url
    worker.capacity = capacity
    worker.reported_sessions = len(sessions)
    worker.last_heartbeat_at = timezone.now()
    worker.is_alive = True
    worker.save()
    if created or revived:
        log.info(
            "worker %s: %s at %s (capacity %s)", worker_id, "registered" if created else "back", base_url, capacity
        )
    worker_reconcile(worker_id=worker_id, reported=sessions, observed_at=observed_at or timezone.now())
    return worker


def worker_reconcile(*, worker_id: str, reported: Mapping[str, str], observed_at: dt.datetime) -> dict[str, list[str]]:
    """Compare what the worker runs with what should run there; start, stop or mark accounts to match.

    - an account that should run on this worker and is not reported: started again (restored from its auth);
    - a reported session with no live account, or one that is logged out, failed or assigned elsewhere: stopped;
    - a connected (or authenticating) account whose session the worker reports as not running: disconnected,
      unless its status changed after ``observed_at`` (the report is older than what events told us since).
    """
    actions: dict[str, list[str]] = {"start": [], "stop": [], "disconnect": []}
    should_run = WhatsAppAccount.live.filter(worker_id=worker_id).should_run()
    for account in should_run.exclude(session_id__in=list(reported)):
        actions["start"].append(account.session_id)
        session_start_after_commit(account)

    known = {a.session_id: a for a in WhatsAppAccount.objects.filter(session_id__in=list(reported))}
    to_disconnect: list[WhatsAppAccount] = []
    for session_id, state in reported.items():
        account = known.get(session_id)
        unwanted = (
            account is None or account.is_deleted or account.worker_id != worker_id or account.status in ENDED_STATUSES
        )
        if unwanted and state != SessionState.STOPPED:
            actions["stop"].append(session_id)
            session_stop_after_commit(worker_id=worker_id, session_id=session_id)
        elif (
            not unwanted
            and state in NOT_RUNNING_STATES
            and account.status in LINKED_STATUSES
            and account.status_changed_at < observed_at
        ):
            to_disconnect.append(account)
    # Workspaces are locked one at a time in id order, so two reconciliations cannot deadlock.
    for account in sorted(to_disconnect, key=lambda a: (a.workspace_id, a.pk)):
        actions["disconnect"].append(account.session_id)
        reason = StatusReason.worker_reported(SessionState(reported[account.session_id]))
        account_disconnect(account_id=account.pk, reason=reason)
    if any(actions.values()):
        log.info("worker %s: reconciled %s", worker_id, {k: len(v) for k, v in actions.items()})
    return actions


def workers_mark_dead(*, now: dt.datetime | None = None) -> list[str]:
    """Mark workers whose last heartbeat is older than WORKER_HEARTBEAT_TIMEOUT_S as dead; their running
    accounts become disconnected (WORKER_LOST) and are restarted when the worker comes back."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT_S)
    stale = WorkerNode.objects.filter(is_alive=True).filter(
        Q(last_heartbeat_at__lt=cutoff) | Q(last_heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    dead: list[str] = []
    for worker_id in stale.values_list("id", flat=True):
        # A conditional update claims the worker: a heartbeat that arrived meanwhile wins.
        claimed = (
            WorkerNode.objects.filter(id=worker_id, is_alive=True)
            .filter(Q(last_heartbeat_at__lt=cutoff) | Q(last_heartbeat_at__isnull=True))
            .update(is_alive=False)
        )
        if not claimed:
            continue
        dead.append(worker_id)
        log.warning("worker %s: no heartbeat for %s s, marked dead", worker_id, settings.WORKER_HEARTBEAT_TIMEOUT_S)
        running = WhatsAppAccount.live.filter(worker_id=worker_id).running()
        for account_id in running.order_by("workspace_id", "id").values_list("id", flat=True):
            account_disconnect(account_id=account_id, reason=StatusReason.WORKER_LOST)
    return dead
