"""The session workers: their heartbeats (answered with the leases the worker holds), reconciliation of
what they run with what should run there, marking the silent ones dead, and draining. What a report does to an
account is the account services' business; what happens to a dead worker's sessions, the leases'."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.accounts.models import ENDED_STATUSES, LINKED_STATUSES, StatusReason, WhatsAppAccount
from backend.accounts.services.endings import account_disconnect
from backend.accounts.services.locks import account_lock
from backend.fleet.commands import session_stop_after_commit
from backend.fleet.models import WorkerNode
from backend.fleet.services.leases import worker_leases
from backend.metrics import counters
from shared.events import SessionState

log = logging.getLogger(__name__)

# The worker's session states that mean the session is not running.
NOT_RUNNING_STATES = frozenset({SessionState.DISCONNECTED, SessionState.FAILED, SessionState.STOPPED})


@transaction.atomic
def worker_heartbeat(
    *, worker_id: str, sessions: Mapping[str, Mapping[str, Any]], observed_at: dt.datetime | None = None
) -> dict[str, Any]:
    """Refresh the registered worker ``worker_id`` (authenticated; its heartbeat renews every lease it holds),
    reconcile its sessions with what should run there, and answer with those leases: the worker makes what it runs
    match them. A heartbeat never registers a worker nor changes its URL or capacity: those are the operator's."""
    # FOR NO KEY UPDATE: it must not block the KEY SHARE lock that inserting an account assigned to this
    # worker takes (a reconnect holds its workspace lock meanwhile, which the reconciliation below may need).
    worker = WorkerNode.objects.select_for_update(no_key=True).get(pk=worker_id)
    revived = not worker.is_alive
    worker.reported_sessions = len(sessions)
    worker.last_heartbeat_at = timezone.now()
    worker.is_alive = True
    worker.save(update_fields=["reported_sessions", "last_heartbeat_at", "is_alive"])
    if revived:
        log.info("worker %s: heard from at %s (capacity %s)", worker_id, worker.base_url, worker.capacity)
    worker_reconcile(worker_id=worker_id, reported=sessions, observed_at=observed_at or timezone.now())
    answer = worker_leases(worker_id=worker_id)
    counters.leases_renewed(len(answer["leases"]))  # the heartbeat renewed every lease it is answered with
    return answer


def worker_reconcile(
    *, worker_id: str, reported: Mapping[str, Mapping[str, Any]], observed_at: dt.datetime
) -> dict[str, list[str]]:
    """Compare what the worker runs (``{session_id: {"state", "epoch"}}``) with the leases it holds.

    - a reported session with no live account, or one that is logged out, failed, or whose lease is now another
      worker's or another epoch's: stopped (the heartbeat's answer no longer lists it either);
    - a connected (or authenticating) account whose session the worker reports as not running under its current
      lease: disconnected, unless its status changed after ``observed_at`` (the report is older than what
      events told us since).
    What should run there and does not is started by the worker itself, from the leases of the answer.
    """
    actions: dict[str, list[str]] = {"stop": [], "disconnect": []}
    known = {a.session_id: a for a in WhatsAppAccount.objects.filter(session_id__in=list(reported))}
    to_disconnect: list[WhatsAppAccount] = []
    for session_id, report in reported.items():
        account = known.get(session_id)
        state, epoch = report["state"], report["epoch"]
        unwanted = (
            account is None
            or account.is_deleted
            or account.worker_id != worker_id
            or account.lease_epoch != epoch
            or account.status in ENDED_STATUSES
        )
        if unwanted and state != SessionState.STOPPED:
            actions["stop"].append(session_id)
            session_stop_after_commit(worker_id=worker_id, session_id=session_id, epoch=epoch)
        elif (
            not unwanted
            and state in NOT_RUNNING_STATES
            and account.status in LINKED_STATUSES
            and account.status_changed_at < observed_at
        ):
            to_disconnect.append(account)
    # Workspaces are locked one at a time in id order, so two reconciliations cannot deadlock.
    for account in sorted(to_disconnect, key=lambda a: (a.workspace_id, a.pk)):
        report = reported[account.session_id]
        reason = StatusReason.worker_reported(SessionState(report["state"]))
        if account_disconnect_if_still_reported(
            account_id=account.pk, worker_id=worker_id, epoch=report["epoch"], reason=reason, observed_at=observed_at
        ):
            actions["disconnect"].append(account.session_id)
    if any(actions.values()):
        log.info("worker %s: reconciled %s", worker_id, {k: len(v) for k, v in actions.items()})
    return actions


@transaction.atomic
def account_disconnect_if_still_reported(
    *, account_id: int, worker_id: str, epoch: int, reason: str, observed_at: dt.datetime
) -> bool:
    """Disconnect the account as its worker reported it, if that report still applies with the account locked:
    the rows were read before the lock, and since then the session may have moved (a drain or a failover
    commits a new lease) or reported itself again. False when nothing changed."""
    _, account = account_lock(account_id=account_id)
    still = (
        not account.is_deleted
        and (account.worker_id, account.lease_epoch) == (worker_id, epoch)
        and account.status in LINKED_STATUSES
        and account.status_changed_at < observed_at
    )
    if still:
        account_disconnect(account_id=account_id, reason=reason)
    return still


def workers_mark_dead(*, now: dt.datetime | None = None) -> list[str]:
    """Mark workers whose last heartbeat is older than WORKER_HEARTBEAT_TIMEOUT_S as dead. Their sessions move
    to live workers once their leases have expired (``leases.accounts_fail_over``, the same beat job)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT_S)
    silent = Q(last_heartbeat_at__lt=cutoff) | Q(last_heartbeat_at__isnull=True, created_at__lt=cutoff)
    dead: list[str] = []
    for worker_id in WorkerNode.objects.filter(silent, is_alive=True).values_list("id", flat=True):
        # A conditional update claims the worker: a heartbeat that arrived meanwhile wins.
        if WorkerNode.objects.filter(silent, id=worker_id, is_alive=True).update(is_alive=False):
            dead.append(worker_id)
            log.warning("worker %s: no heartbeat for %s s, marked dead", worker_id, settings.WORKER_HEARTBEAT_TIMEOUT_S)
    counters.workers_marked_dead(len(dead))
    return dead


def worker_set_draining(*, worker_id: str, draining: bool) -> WorkerNode:
    """Mark a worker draining (it takes no new session) or not; raises WorkerNode.DoesNotExist."""
    worker = WorkerNode.objects.get(pk=worker_id)
    if worker.draining != draining:
        WorkerNode.objects.filter(pk=worker_id).update(draining=draining)
        worker.draining = draining
        log.warning("worker %s: %s", worker_id, "draining" if draining else "no longer draining")
    return worker
