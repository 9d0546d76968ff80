"""Writes: one function per state change, keyword-only, named <entity>_<action>.

Every decision about a workspace's primary account or its phone numbers is taken with the workspace row
locked (``_lock``), always before the account rows, so that concurrent sessions of one workspace are
serialized and the partial unique indexes of models.py are never what refuses a write. Broadcasts and
commands to the session worker leave only after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from backend.accounts import broadcast
from backend.accounts.models import (
    RUNNING_STATUSES,
    AccountStatus,
    AccountStatusChange,
    WebhookEvent,
    WhatsAppAccount,
    WorkerNode,
    Workspace,
)
from backend.accounts.worker_client import WorkerClient, WorkerError

log = logging.getLogger(__name__)

# Reasons the backend itself gives (the worker's reasons come from shared.events.DisconnectReason).
REASON_USER_LOGOUT = "USER_LOGOUT"
REASON_REPLACED = "REPLACED"
REASON_QR_EXPIRED = "QR_EXPIRED"
REASON_WORKER_LOST = "WORKER_LOST"
REASON_WORKER_UNREACHABLE = "WORKER_UNREACHABLE"
# A worker's disconnect reasons that mean the link with the phone is gone (a new QR is needed).
LOGGED_OUT_REASONS = frozenset({"LOGOUT", "UNPAIRED"})
# The worker's session states that mean the session is not running.
STOPPED_STATES = frozenset({"DISCONNECTED", "FAILED", "STOPPED"})


class ServiceError(Exception):
    """A request that the account's current state does not allow; ``code`` is for the API's answer."""

    code = "conflict"


class NoWorkerAvailable(ServiceError):
    code = "no_worker"


class AccountStateConflict(ServiceError):
    code = "conflict"


class WorkerUnavailable(ServiceError):
    code = "worker_unavailable"


def new_session_id() -> str:
    return f"wa_{uuid.uuid4().hex}"


# --- helpers ------------------------------------------------------------------------------------------


def _lock(account_id: int) -> tuple[Workspace, WhatsAppAccount]:
    workspace_id = WhatsAppAccount.objects.values_list("workspace_id", flat=True).get(pk=account_id)
    # The workspace row first: it serializes "is there a primary?" and "who else has this phone number?"
    # between sessions of the same workspace. Account rows are locked after it, never before.
    workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
    account = WhatsAppAccount.objects.select_for_update().get(pk=account_id)
    return workspace, account


def _set_status(account: WhatsAppAccount, status: str, reason: str = "", *, event_id: str = "") -> bool:
    """Set the status (not saved) and record it in the timeline; True if it changed."""
    if account.status == status and account.status_reason == reason:
        return False
    account.status = status
    account.status_reason = reason
    account.status_changed_at = timezone.now()
    AccountStatusChange.objects.create(account=account, status=status, reason=reason, event_id=event_id)
    log.info("session %s: %s %s", account.session_id, status, reason)
    return True


def _promote_next_primary(workspace: Workspace) -> WhatsAppAccount | None:
    """Make the oldest connection primary if the workspace has no primary. The workspace must be locked."""
    live = WhatsAppAccount.live.filter(workspace=workspace)
    if live.filter(is_primary=True).exists():
        return None
    successor = (
        live.select_for_update()
        .filter(status=AccountStatus.CONNECTED)
        .order_by(F("connected_at").asc(nulls_last=True), "id")
        .first()
    )
    if successor is None:
        return None
    successor.is_primary = True
    successor.save(update_fields=["is_primary", "updated_at"])
    log.info("session %s: now primary", successor.session_id)
    broadcast.announce(successor, broadcast.PRIMARY_CHANGED)
    return successor


def _command_after_commit(command: str, *, worker_id: str | None, session_id: str) -> None:
    """Queue a command for the session's worker (stop, logout) once the transaction commits."""
    if not worker_id:
        return
    from backend.accounts import tasks

    task = {"stop": tasks.session_stop, "logout": tasks.session_logout}[command]
    transaction.on_commit(lambda: task.delay(worker_id=worker_id, session_id=session_id), robust=True)


def _start_after_commit(account: WhatsAppAccount) -> None:
    from backend.accounts import tasks

    account_id, session_id = account.pk, account.session_id
    transaction.on_commit(lambda: tasks.session_start.delay(account_id=account_id, session_id=session_id), robust=True)


def _soft_delete(account: WhatsAppAccount, *, reason: str) -> None:
    account.deleted_at = timezone.now()
    account.is_primary = False
    account.qr_code = ""
    account.qr_expires_at = None
    AccountStatusChange.objects.create(account=account, status=account.status, reason=f"DELETED:{reason}")
    account.save()
    log.info("session %s: deleted (%s)", account.session_id, reason)
    broadcast.announce(account, broadcast.ACCOUNT_DELETED)


# --- workers ------------------------------------------------------------------------------------------


def worker_ensure_default() -> None:
    """Register DEFAULT_WORKER_URL's worker, so that `make run` can connect before its first heartbeat."""
    if settings.DEFAULT_WORKER_URL:
        WorkerNode.objects.get_or_create(
            id=settings.DEFAULT_WORKER_ID,
            defaults={"base_url": settings.DEFAULT_WORKER_URL, "capacity": settings.DEFAULT_WORKER_CAPACITY},
        )


def worker_pick(*, avoid: str | None = None) -> WorkerNode | None:
    """The live worker with the most free capacity (capacity minus the running sessions assigned to it)."""
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
    should_run = WhatsAppAccount.live.filter(worker_id=worker_id).filter(
        Q(status__in=RUNNING_STATUSES) | Q(status=AccountStatus.DISCONNECTED, status_reason=REASON_WORKER_LOST)
    )
    for account in should_run.exclude(session_id__in=list(reported)):
        actions["start"].append(account.session_id)
        _start_after_commit(account)

    known = {a.session_id: a for a in WhatsAppAccount.objects.filter(session_id__in=list(reported))}
    to_disconnect: list[WhatsAppAccount] = []
    for session_id, state in reported.items():
        account = known.get(session_id)
        unwanted = (
            account is None
            or account.is_deleted
            or account.worker_id != worker_id
            or account.status in (AccountStatus.LOGGED_OUT, AccountStatus.FAILED)
        )
        if unwanted and state != "STOPPED":
            actions["stop"].append(session_id)
            _command_after_commit("stop", worker_id=worker_id, session_id=session_id)
        elif (
            not unwanted
            and state in STOPPED_STATES
            and account.status in (AccountStatus.CONNECTED, AccountStatus.AUTHENTICATED)
            and account.status_changed_at < observed_at
        ):
            to_disconnect.append(account)
    # Workspaces are locked one at a time in id order, so two reconciliations cannot deadlock.
    for account in sorted(to_disconnect, key=lambda a: (a.workspace_id, a.pk)):
        actions["disconnect"].append(account.session_id)
        account_disconnect(account_id=account.pk, reason=f"WORKER_{reported[account.session_id]}")
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
        running = WhatsAppAccount.live.filter(worker_id=worker_id, status__in=RUNNING_STATUSES)
        for account_id in running.order_by("workspace_id", "id").values_list("id", flat=True):
            account_disconnect(account_id=account_id, reason=REASON_WORKER_LOST)
    return dead


# --- accounts -----------------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, workspace_id: int) -> WhatsAppAccount:
    """ "Connect WhatsApp": a new account waiting for its QR, on the worker with the most free capacity."""
    worker = worker_pick()
    if worker is None:
        raise NoWorkerAvailable("no session worker has free capacity")
    account = WhatsAppAccount.objects.create(
        workspace_id=workspace_id, session_id=new_session_id(), status=AccountStatus.QR_SCANNING, worker=worker
    )
    AccountStatusChange.objects.create(account=account, status=account.status, reason="CREATED")
    log.info("session %s: created on worker %s", account.session_id, worker.id)
    broadcast.announce(account, broadcast.STATUS_CHANGED)
    _start_after_commit(account)
    return account


@transaction.atomic
def account_qr_update(
    *, account_id: int, qr: str, qr_count: int, expires_in: int, event_id: str = ""
) -> WhatsAppAccount:
    _, account = _lock(account_id)
    if account.is_deleted:
        return account
    account.qr_code = qr
    account.qr_count = qr_count
    account.qr_expires_at = timezone.now() + dt.timedelta(seconds=expires_in)
    if account.status != AccountStatus.QR_SCANNING:
        # A session showing a QR again (newer than what was applied) has lost its link with the phone.
        changed = _set_status(account, AccountStatus.QR_SCANNING, event_id=event_id)
    else:
        changed = False
    account.save()
    if changed:
        broadcast.announce(account, broadcast.STATUS_CHANGED)
    from backend.accounts.selectors import account_qr_svg

    broadcast.announce(account, broadcast.QR_CODE_GENERATED, extra={"qr_svg": account_qr_svg(account=account)})
    return account


@transaction.atomic
def account_authenticate(*, account_id: int, event_id: str = "") -> WhatsAppAccount:
    _, account = _lock(account_id)
    if account.is_deleted:
        return account
    account.qr_code = ""
    account.qr_expires_at = None
    changed = _set_status(account, AccountStatus.AUTHENTICATED, event_id=event_id)
    account.save()
    if changed:
        broadcast.announce(account, broadcast.STATUS_CHANGED)
    return account


@transaction.atomic
def account_connect(
    *, account_id: int, phone_number: str, push_name: str = "", platform: str = "", event_id: str = ""
) -> WhatsAppAccount:
    """The session is linked to ``phone_number``: mark it connected, let it take the place of an older live
    account with the same number in the workspace, and make it primary if the workspace has none."""
    workspace, account = _lock(account_id)
    if account.is_deleted:
        return account
    inherits_primary = False
    older_accounts = (
        WhatsAppAccount.live.select_for_update()
        .filter(workspace=workspace, phone_number=phone_number)
        .exclude(pk=account.pk)
        .order_by("id")
    )
    for older in older_accounts:
        inherits_primary |= older.is_primary
        worker_id, session_id = older.worker_id, older.session_id
        _soft_delete(older, reason=REASON_REPLACED)  # saved first: it frees the number and the primary slot
        _command_after_commit("logout", worker_id=worker_id, session_id=session_id)

    kinds: list[str] = []
    if account.phone_number != phone_number:
        kinds.append(broadcast.PHONE_NUMBER_UPDATED)
    account.phone_number = phone_number
    account.push_name = push_name
    account.platform = platform
    account.qr_code = ""
    account.qr_expires_at = None
    if account.status != AccountStatus.CONNECTED or account.connected_at is None:
        account.connected_at = timezone.now()
    if _set_status(account, AccountStatus.CONNECTED, event_id=event_id):
        kinds.insert(0, broadcast.STATUS_CHANGED)
    if not account.is_primary:
        has_primary = WhatsAppAccount.live.filter(workspace=workspace, is_primary=True).exclude(pk=account.pk).exists()
        if inherits_primary or not has_primary:
            account.is_primary = True
            kinds.append(broadcast.PRIMARY_CHANGED)
    account.save()
    broadcast.announce(account, *kinds)
    return account


@transaction.atomic
def account_disconnect(*, account_id: int, reason: str, event_id: str = "") -> WhatsAppAccount:
    """The session stopped. LOGOUT or UNPAIRED: the link is gone (logged_out, the primary flag moves on);
    QR_EXPIRED before any link: failed; STOPPED of a failed or logged-out account: no change; anything
    else: disconnected, keeping the primary flag."""
    workspace, account = _lock(account_id)
    if account.is_deleted:
        return account
    if reason == "STOPPED" and account.status in (AccountStatus.FAILED, AccountStatus.LOGGED_OUT):
        return account  # the worker confirms a stop the backend asked for: the account keeps its status
    kinds: list[str] = []
    if reason in LOGGED_OUT_REASONS:
        status = AccountStatus.LOGGED_OUT
    elif reason == REASON_QR_EXPIRED and account.status == AccountStatus.QR_SCANNING:
        status = AccountStatus.FAILED
    else:
        status = AccountStatus.DISCONNECTED
    account.qr_code = ""
    account.qr_expires_at = None
    if _set_status(account, status, reason, event_id=event_id):
        kinds.append(broadcast.STATUS_CHANGED)
    if status == AccountStatus.LOGGED_OUT and account.is_primary:
        account.is_primary = False
        kinds.append(broadcast.PRIMARY_CHANGED)
    account.save()
    broadcast.announce(account, *kinds)
    if status == AccountStatus.LOGGED_OUT:
        _promote_next_primary(workspace)
    return account


@transaction.atomic
def account_fail(*, account_id: int, reason: str, event_id: str = "") -> WhatsAppAccount:
    _, account = _lock(account_id)
    if account.is_deleted:
        return account
    account.qr_code = ""
    account.qr_expires_at = None
    changed = _set_status(account, AccountStatus.FAILED, reason, event_id=event_id)
    account.save()
    if changed:
        broadcast.announce(account, broadcast.STATUS_CHANGED)
    return account


@transaction.atomic
def account_set_primary(*, account_id: int) -> WhatsAppAccount:
    workspace, account = _lock(account_id)
    if account.is_deleted or account.status != AccountStatus.CONNECTED:
        raise AccountStateConflict("only a connected account can be primary")
    if account.is_primary:
        return account
    for previous in WhatsAppAccount.live.select_for_update().filter(workspace=workspace, is_primary=True):
        previous.is_primary = False
        previous.save(update_fields=["is_primary", "updated_at"])  # first: one primary per workspace
        broadcast.announce(previous, broadcast.PRIMARY_CHANGED)
    account.is_primary = True
    account.save(update_fields=["is_primary", "updated_at"])
    log.info("session %s: set primary", account.session_id)
    broadcast.announce(account, broadcast.PRIMARY_CHANGED)
    return account


@transaction.atomic
def account_logout(*, account_id: int) -> WhatsAppAccount:
    """Log the session out on WhatsApp (the worker wipes its auth); the primary flag moves on."""
    workspace, account = _lock(account_id)
    if account.is_deleted:
        raise AccountStateConflict("the account is deleted")
    kinds = [broadcast.STATUS_CHANGED] if _set_status(account, AccountStatus.LOGGED_OUT, REASON_USER_LOGOUT) else []
    if account.is_primary:
        account.is_primary = False
        kinds.append(broadcast.PRIMARY_CHANGED)
    account.qr_code = ""
    account.qr_expires_at = None
    account.save()
    broadcast.announce(account, *kinds)
    _command_after_commit("logout", worker_id=account.worker_id, session_id=account.session_id)
    _promote_next_primary(workspace)
    return account


@transaction.atomic
def account_delete(*, account_id: int) -> WhatsAppAccount:
    """Soft delete; the worker is told to log the session out once this commits (a retried task)."""
    workspace, account = _lock(account_id)
    if account.is_deleted:
        return account
    _soft_delete(account, reason="USER")
    _command_after_commit("logout", worker_id=account.worker_id, session_id=account.session_id)
    _promote_next_primary(workspace)
    return account


@transaction.atomic
def account_reconnect(*, account_id: int) -> WhatsAppAccount:
    """A new session (new id, new QR) for an account that is not linked, on the freest live worker."""
    _, account = _lock(account_id)
    if account.is_deleted:
        raise AccountStateConflict("the account is deleted")
    if account.status in (AccountStatus.CONNECTED, AccountStatus.AUTHENTICATED):
        raise AccountStateConflict(f"the account is {account.status}; log it out first")
    worker = worker_pick()
    if worker is None:
        raise NoWorkerAvailable("no session worker has free capacity")
    _command_after_commit("stop", worker_id=account.worker_id, session_id=account.session_id)
    old_session_id = account.session_id
    account.session_id = new_session_id()
    account.worker = worker
    account.last_sequence = None  # sequences are per session
    account.qr_code = ""
    account.qr_expires_at = None
    account.qr_count = 0
    changed = _set_status(account, AccountStatus.QR_SCANNING, "RECONNECT")
    account.save()
    log.info("session %s: replaces session %s on worker %s", account.session_id, old_session_id, worker.id)
    if changed:
        broadcast.announce(account, broadcast.STATUS_CHANGED)
    _start_after_commit(account)
    return account


def account_request_pairing_code(*, account_id: int, phone_number: str) -> str:
    """Ask the account's worker for a pairing code for ``phone_number`` (digits, E.164 without "+").

    No lock and no write: the code is shown to the user and the link arrives as the usual webhooks.
    """
    account = WhatsAppAccount.objects.select_related("worker").get(pk=account_id)
    if account.is_deleted or account.status != AccountStatus.QR_SCANNING:
        raise AccountStateConflict(f"the account is {account.status}: a pairing code needs a session waiting to link")
    if account.worker is None:
        raise WorkerUnavailable("the account has no session worker yet")
    try:
        return WorkerClient(account.worker.base_url).request_pairing_code(
            session_id=account.session_id, phone_number=phone_number
        )
    except WorkerError as exc:
        log.warning("session %s: pairing code refused by worker %s: %s", account.session_id, account.worker_id, exc)
        if exc.retryable:
            raise WorkerUnavailable("the session worker is unavailable; try again in a moment") from None
        raise AccountStateConflict(f"the session cannot give a pairing code now ({exc.reason or exc.status})") from None


@transaction.atomic
def account_move_to_other_worker(*, account_id: int, session_id: str) -> WorkerNode | None:
    """The account's worker refused its session for lack of capacity: assign the freest other worker
    (None if there is none, or if the session is no longer the account's or no longer waiting for a QR)."""
    _, account = _lock(account_id)
    if account.is_deleted or account.session_id != session_id or account.status != AccountStatus.QR_SCANNING:
        return None
    worker = worker_pick(avoid=account.worker_id)
    if worker is None:
        return None
    log.info("session %s: moves from worker %s (full) to %s", session_id, account.worker_id, worker.id)
    account.worker = worker
    account.save(update_fields=["worker", "updated_at"])
    return worker


def accounts_expire_stale_qr(*, now: dt.datetime | None = None) -> list[str]:
    """Accounts in qr_scanning for longer than QR_LIFETIME_S: failed (QR_EXPIRED), their session stopped."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.QR_LIFETIME_S)
    expired: list[str] = []
    stale = WhatsAppAccount.live.filter(status=AccountStatus.QR_SCANNING, status_changed_at__lt=cutoff)
    for account_id in stale.order_by("workspace_id", "id").values_list("id", flat=True):
        with transaction.atomic():
            _, account = _lock(account_id)
            # Checked again under the lock: a scan may have landed since the query above.
            if account.is_deleted or account.status != AccountStatus.QR_SCANNING or account.status_changed_at >= cutoff:
                continue
            account_fail(account_id=account_id, reason=REASON_QR_EXPIRED)
            _command_after_commit("stop", worker_id=account.worker_id, session_id=account.session_id)
            expired.append(account.session_id)
    return expired


def webhook_events_prune(*, now: dt.datetime | None = None) -> int:
    """Forget inbox rows older than WEBHOOK_INBOX_RETENTION_DAYS (far beyond any retry of the same id)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.WEBHOOK_INBOX_RETENTION_DAYS)
    deleted, _ = WebhookEvent.objects.filter(received_at__lt=cutoff).delete()
    return deleted
