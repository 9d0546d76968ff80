"""Celery tasks of the fleet: commands to the session workers (retried with backoff) and the beat jobs that watch
the workers. Each is registered under a short stable name, the one backend/fleet/commands.py sends.

Each task loads what it needs through the selectors and calls a service or the worker client; nothing else
lives here.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import StatusReason
from backend.accounts.services.endings import account_fail
from backend.egress.selectors import account_proxy
from backend.egress.services import account_proxy_remember
from backend.fleet import commands, selectors
from backend.fleet.services import drain, failover, placement, workers
from backend.fleet.worker_client import WorkerClient, WorkerError

log = logging.getLogger(__name__)

MAX_RETRIES = 8
BACKOFF_MAX_S = 60
DRAIN_TIME_LIMIT_S = 3600  # the drain bounds itself (services/drain.py); this only keeps a stuck one from lasting


def _backoff(retries: int) -> int:
    return min(BACKOFF_MAX_S, 2**retries)


@shared_task(name=commands.SESSION_START, bind=True, max_retries=MAX_RETRIES, acks_late=True)
def session_start(self, *, account_id: int, session_id: str, epoch: int) -> str:
    """Ask the account's worker to run the session under lease ``epoch`` (POST /sessions); idempotent on the
    worker's side. Skipped once the lease has moved on (a newer start was queued with it)."""
    account = selectors.account_to_start(account_id=account_id, session_id=session_id, epoch=epoch)
    if account is None:
        log.info("session %s: start at epoch %s skipped, no longer wanted", session_id, epoch)
        return "skipped"
    if account.worker is None:
        log.warning("session %s: start skipped, no worker assigned", session_id)
        return "no worker"
    proxy = account_proxy(account_id=account_id, workspace_id=account.workspace_id)
    account_proxy_remember(account_id=account_id, session_id=session_id, address=proxy.address if proxy else "")
    try:
        WorkerClient(account.worker).start_session(
            session_id=session_id,
            workspace_id=account.workspace_id,
            epoch=epoch,
            restore=selectors.auth_state_is_stored(account_id=account_id),
            lease_ms=account.lease_remaining_ms(),
            proxy=proxy,
        )
    except WorkerError as exc:
        if exc.reason == "capacity" and placement.account_move_to_other_worker(
            account_id=account_id, session_id=session_id
        ):
            return "moved"  # the other worker's start is queued with the new lease
        if exc.retryable and self.request.retries < self.max_retries:
            log.warning("session %s: start failed on %s (%s), retrying", session_id, account.worker_id, exc)
            raise self.retry(countdown=_backoff(self.request.retries)) from None
        log.error("session %s: start failed on %s (%s), giving up", session_id, account.worker_id, exc)
        account_fail(account_id=account_id, reason=StatusReason.WORKER_UNREACHABLE)
        return "failed"
    log.info("session %s: started on %s", session_id, account.worker_id)
    return "started"


def _command(task, command: str, worker_id: str, session_id: str, epoch: int) -> str:
    worker = selectors.worker_get(worker_id=worker_id)
    if worker is None:
        return "no worker"
    client = WorkerClient(worker)
    try:
        answer = (
            client.stop_session(session_id=session_id, epoch=epoch)
            if command == "stop"
            else client.logout_session(session_id=session_id, epoch=epoch)
        )
    except WorkerError as exc:
        if exc.retryable and task.request.retries < task.max_retries:
            log.warning("session %s: %s failed on %s (%s), retrying", session_id, command, worker_id, exc)
            raise task.retry(countdown=_backoff(task.request.retries)) from None
        log.error("session %s: %s failed on %s (%s), giving up", session_id, command, worker_id, exc)
        return "failed"
    log.info("session %s: %s on %s done", session_id, command, worker_id)
    return "done" if answer is not None else "unknown session"


@shared_task(name=commands.SESSION_STOP, bind=True, max_retries=MAX_RETRIES, acks_late=True)
def session_stop(self, *, worker_id: str, session_id: str, epoch: int) -> str:
    return _command(self, "stop", worker_id, session_id, epoch)


@shared_task(name=commands.SESSION_LOGOUT, bind=True, max_retries=MAX_RETRIES, acks_late=True)
def session_logout(self, *, worker_id: str, session_id: str, epoch: int) -> str:
    return _command(self, "logout", worker_id, session_id, epoch)


@shared_task(name="workers_mark_dead")
def workers_mark_dead() -> dict[str, list[str]]:
    """Beat, every WORKERS_CHECK_INTERVAL_S: mark silent workers dead, then move the sessions whose leases
    expired on dead workers."""
    return {"dead": workers.workers_mark_dead(), **failover.accounts_fail_over()}


@shared_task(name=commands.WORKER_DRAIN, soft_time_limit=DRAIN_TIME_LIMIT_S, time_limit=DRAIN_TIME_LIMIT_S + 60)
def worker_drain(*, worker_id: str, batch: int) -> dict[str, int]:
    """The admin's "drain": move every session off the worker, ``batch`` at a time (services/drain.py)."""
    return drain.worker_drain(worker_id=worker_id, batch=batch).as_dict()


@shared_task(name="workers_reconcile_all")
def workers_reconcile_all() -> dict[str, str]:
    """Ask every live worker which sessions it runs (GET /sessions) and reconcile the accounts with it."""
    results: dict[str, str] = {}
    for worker in selectors.workers_alive():
        observed_at = timezone.now()  # before asking: a status changed after this is newer than the answer
        try:
            reported = WorkerClient(worker).list_sessions()
        except WorkerError as exc:
            log.warning("worker %s: cannot list sessions (%s)", worker.id, exc)
            results[worker.id] = "unreachable"
            continue

        with transaction.atomic():
            actions = workers.worker_reconcile(worker_id=worker.id, reported=reported, observed_at=observed_at)
        results[worker.id] = ", ".join(f"{k} {len(v)}" for k, v in actions.items())
    return results
