"""Moving a session to another worker: a new lease there, which opens it from its stored auth state (no QR).

A session moves when its worker is dead and its lease has expired (``accounts_fail_over``, every
WORKERS_CHECK_INTERVAL_S), or when a drain asks (drain.py) once the old worker has released it. Never before: no
two workers drive one session.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.accounts.models import AccountStatus, AccountStatusChange, StatusReason, WhatsAppAccount
from backend.accounts.services.endings import account_disconnect
from backend.accounts.services.locks import account_lock
from backend.fleet.commands import session_start_after_commit
from backend.fleet.models import WorkerNode
from backend.fleet.services.placement import worker_pick
from backend.live.broadcast import announce
from backend.live.messages import MessageType
from backend.metrics import counters

log = logging.getLogger(__name__)


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SESSION_LEASE_TTL_S)


def _move(account: WhatsAppAccount, *, target: WorkerNode, why: str, cause: str) -> None:
    """Grant the session a new lease on ``target`` and start it there after the commit (the account is locked)."""
    source = account.worker_id
    account.lease_grant(target)
    account.moving = True
    account.clear_qr()  # a QR of the old page can no longer be scanned; the new page shows its own
    account.save()
    AccountStatusChange.objects.create(
        account=account,
        status=account.status,
        reason=f"{StatusReason.MOVING} {source}->{target.id}"[:64],
        proxy=account.proxy_address,
        whatsapp_web_build=account.whatsapp_web_build,
    )
    log.warning("session %s: moving from worker %s to %s (%s, epoch %s)", account.session_id, source, target.id, why,
                account.lease_epoch)  # fmt: skip
    announce(account, MessageType.STATUS_CHANGED)
    session_start_after_commit(account_id=account.pk, session_id=account.session_id, epoch=account.lease_epoch)
    counters.session_moved(cause=cause)


def _expired_on_dead_workers(now: dt.datetime) -> Q:
    quiet_since = now - _ttl()
    expired = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)  # none: granted before leases
    return (
        Q(worker__is_alive=False)
        & expired
        & (Q(worker__last_heartbeat_at__isnull=True) | Q(worker__last_heartbeat_at__lte=quiet_since))
    )


def _portable() -> Q:
    """A session another worker can open: one waiting for its scan (it shows a new QR), or one whose auth state
    the backend keeps (it opens linked, no QR)."""
    return Q(status=AccountStatus.QR_SCANNING) | Q(auth_state__isnull=False)


def accounts_fail_over(*, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """The sessions of dead workers whose leases have expired: each moves to the live worker with the most room
    (spreading its workspace), or, when it cannot (no room; linked but no auth state stored), becomes
    ``disconnected`` (WORKER_LOST). Those with a stored state are tried again at every run until room appears;
    the others wait for their worker to come back. One transaction per session, in workspace order."""
    now = now or timezone.now()
    expired = WhatsAppAccount.live.should_run().filter(_expired_on_dead_workers(now))
    waiting = Q(status=AccountStatus.DISCONNECTED, status_reason=StatusReason.WORKER_LOST)
    candidates = expired.exclude(waiting & ~_portable()).order_by("workspace_id", "id").values_list("id", flat=True)
    done: dict[str, list[str]] = {"moved": [], "lost": []}
    for account_id in list(candidates):
        with transaction.atomic():
            outcome = _fail_over_one(account_id=account_id, now=now)
        if outcome is not None:
            done[outcome[0]].append(outcome[1])
    if any(done.values()):
        log.warning("failover: %s", {k: len(v) for k, v in done.items()})
    return done


def _fail_over_one(*, account_id: int, now: dt.datetime) -> tuple[str, str] | None:
    _, account = account_lock(account_id=account_id)
    # Checked again under the lock: a heartbeat (which renews the lease), an event or a user may have come first.
    still = WhatsAppAccount.live.should_run().filter(_expired_on_dead_workers(now), pk=account_id)
    if not still.exists():
        return None
    portable = WhatsAppAccount.objects.filter(_portable(), pk=account_id).exists()
    target = worker_pick(workspace_id=account.workspace_id, avoid=account.worker_id) if portable else None
    if target is not None:
        _move(account, target=target, why="its worker is dead", cause="failover")
        counters.lease_expired(moved=True)
        return "moved", account.session_id
    if account.status == AccountStatus.DISCONNECTED and account.status_reason == StatusReason.WORKER_LOST:
        return None
    why = "no live worker has room" if portable else "its auth state was never stored"
    log.warning("session %s: worker %s is dead and the session cannot move: %s", account.session_id,
                account.worker_id, why)  # fmt: skip
    account_disconnect(account_id=account.pk, reason=StatusReason.WORKER_LOST)
    counters.lease_expired(moved=False)
    return "lost", account.session_id


@transaction.atomic
def account_move(*, account_id: int, epoch: int, why: str) -> WorkerNode | None:
    """Move a session whose worker released it (lease ``epoch``) to the best other worker. None when it is no
    longer that lease's, or when no other worker has room: then it gets a new lease on its own worker, which
    starts it again (a worker never starts a lease it released)."""
    _, account = account_lock(account_id=account_id)
    if account.is_deleted or account.lease_epoch != epoch or account.worker is None:
        return None
    target = worker_pick(workspace_id=account.workspace_id, avoid=account.worker_id)
    if target is not None:
        _move(account, target=target, why=why, cause="drain")  # only a drain releases sessions to move them
        return target
    log.warning("session %s: no other worker has room, it stays on %s", account.session_id, account.worker_id)
    account.lease_grant(account.worker)
    account.save()
    session_start_after_commit(account_id=account.pk, session_id=account.session_id, epoch=account.lease_epoch)
    return None
