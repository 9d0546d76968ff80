"""The account's state changes: one function per change, keyword-only, named ``account_<action>``.

Every decision about a workspace's primary account or its phone numbers is taken with the workspace row
locked (``common.account_lock``), always before the account rows, so that concurrent sessions of one
workspace are serialized and the partial unique indexes of models.py are never what refuses a write.
Broadcasts and commands to the session worker leave only after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.accounts import broadcast
from backend.accounts.broadcast import MessageType
from backend.accounts.models import (
    ENDED_STATUSES,
    LINKED_STATUSES,
    AccountStatus,
    AccountStatusChange,
    StatusReason,
    WhatsAppAccount,
    Workspace,
)
from backend.accounts.services.auth_state import auth_state_wipe
from backend.accounts.services.common import (
    AccountStateConflict,
    NoWorkerAvailable,
    account_lock,
    session_logout_after_commit,
    session_start_after_commit,
    session_stop_after_commit,
    update_returning,
)
from backend.accounts.services.limits import workspace_check_connect
from backend.accounts.services.placement import worker_pick
from backend.accounts.services.primary import workspace_promote_next_primary
from shared.events import DisconnectReason

log = logging.getLogger(__name__)

# A worker's disconnect reasons that mean the link with the phone is gone (a new QR is needed).
LOGGED_OUT_REASONS = frozenset({DisconnectReason.LOGOUT, DisconnectReason.UNPAIRED})


def new_session_id() -> str:
    return f"wa_{uuid.uuid4().hex}"


def _soft_delete(account: WhatsAppAccount, *, reason: str) -> None:
    account.deleted_at = timezone.now()
    account.is_primary = False
    account.moving = False
    account.clear_qr()
    auth_state_wipe(account=account)
    AccountStatusChange.objects.create(account=account, status=account.status, reason=StatusReason.deleted(reason))
    account.save()
    log.info("session %s: deleted (%s)", account.session_id, reason)
    broadcast.announce(account, MessageType.ACCOUNT_DELETED)


@transaction.atomic
def account_create(*, workspace_id: int) -> WhatsAppAccount:
    """ "Connect WhatsApp": a new account waiting for its QR, on the worker with the most free capacity, if the
    workspace's limits allow it (limits.LimitReached otherwise)."""
    # The workspace row locked until the account is recorded: two connects at a limit are counted one after the
    # other, so exactly one of them takes the last slot.
    workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
    workspace_check_connect(workspace=workspace, new_account=True)
    worker = worker_pick(workspace_id=workspace_id)
    if worker is None:
        raise NoWorkerAvailable("no session worker has free capacity")
    account = WhatsAppAccount(workspace_id=workspace_id, session_id=new_session_id(), status=AccountStatus.QR_SCANNING)
    account.lease_grant(worker)
    account.save()
    AccountStatusChange.objects.create(account=account, status=account.status, reason=StatusReason.CREATED)
    log.info("session %s: created on worker %s", account.session_id, worker.id)
    broadcast.announce(account, MessageType.STATUS_CHANGED)
    session_start_after_commit(account)
    return account


def account_qr_show_if_newer(
    *, session_id: str, workspace_id: int | None, epoch: int, sequence: int, qr: str, qr_count: int, expires_in: int
) -> WhatsAppAccount | None:
    """The webhook's hot path: a newer QR for a live account that already shows QRs, applied with one
    conditional ``UPDATE ... RETURNING`` (it locks the row only while it writes, the sequence rule is part of its
    WHERE, and the changed row comes back with it: nothing is read again) and broadcast after the commit. None
    when it does not apply as is (unknown session, another workspace, deleted, not showing QRs, moving, another
    epoch than the lease's, or not newer): the caller then takes the path that locks and tells those apart.

    Only the account row changes, and no primary flag or phone number, so the workspace row is not locked.
    The QR is not drawn here: the broadcast carries the QR string, and its SVG is drawn on demand (qr.svg).
    """
    now = timezone.now()
    matching = WhatsAppAccount.live.filter(
        session_id=session_id, status=AccountStatus.QR_SCANNING, lease_epoch=epoch, moving=False
    ).filter(Q(last_sequence__isnull=True) | Q(last_epoch=epoch, last_sequence__lt=sequence))
    if workspace_id is not None:
        matching = matching.filter(workspace_id=workspace_id)
    account = update_returning(
        matching,
        qr_code=qr,
        qr_count=qr_count,
        qr_expires_at=now + dt.timedelta(seconds=expires_in),
        last_epoch=epoch,
        last_sequence=sequence,
        updated_at=now,
    )
    if account is None:
        return None
    broadcast.announce(account, MessageType.QR_CODE_GENERATED)
    return account


@transaction.atomic
def account_qr_update(
    *, account_id: int, qr: str, qr_count: int, expires_in: int, event_id: str = ""
) -> WhatsAppAccount:
    """A QR for an account under its locks; a linked account showing a QR again is back to qr_scanning."""
    _, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    account.qr_code = qr
    account.qr_count = qr_count
    account.qr_expires_at = timezone.now() + dt.timedelta(seconds=expires_in)
    account.moving = False  # a moved session waiting for its scan shows its new QR: the move is done
    if account.status != AccountStatus.QR_SCANNING:
        # A session showing a QR again (newer than what was applied) has lost its link with the phone.
        changed = account.set_status(AccountStatus.QR_SCANNING, event_id=event_id)
    else:
        changed = False
    account.save()
    if changed:
        broadcast.announce(account, MessageType.STATUS_CHANGED)
    broadcast.announce(account, MessageType.QR_CODE_GENERATED)
    return account


@transaction.atomic
def account_authenticate(*, account_id: int, event_id: str = "") -> WhatsAppAccount:
    _, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    account.clear_qr()
    account.sync_percent = None  # a new link (or a restore): its history sync is still to come
    changed = account.set_status(AccountStatus.AUTHENTICATED, event_id=event_id)
    account.save()
    if changed:
        broadcast.announce(account, MessageType.STATUS_CHANGED)
    return account


@transaction.atomic
def account_sync_progress(*, account_id: int, percent: int) -> WhatsAppAccount:
    """The linked phone's history sync reached ``percent``: kept and shown while the account is authenticated
    (the scan was accepted, the number is not known yet); a report for any other status changes nothing."""
    # Locked: the status read here must still hold when the percent is written, or a report racing
    # account_connect could broadcast "syncing" after "connected".
    _, account = account_lock(account_id=account_id)
    if account.is_deleted or account.status != AccountStatus.AUTHENTICATED or account.sync_percent == percent:
        return account
    account.sync_percent = percent
    account.save(update_fields=["sync_percent", "updated_at"])
    broadcast.announce(account, MessageType.SYNC_PROGRESS)
    return account


@transaction.atomic
def account_connect(
    *, account_id: int, phone_number: str, push_name: str = "", platform: str = "", event_id: str = ""
) -> WhatsAppAccount:
    """The session is linked to ``phone_number``: mark it connected, let it take the place of an older live
    account with the same number in the workspace, and make it primary if the workspace has none."""
    workspace, account = account_lock(account_id=account_id)
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
        worker_id, session_id, epoch = older.worker_id, older.session_id, older.lease_epoch
        _soft_delete(older, reason=StatusReason.REPLACED)  # saved first: it frees the number and the primary slot
        session_logout_after_commit(worker_id=worker_id, session_id=session_id, epoch=epoch)

    kinds: list[str] = []
    if account.phone_number != phone_number:
        kinds.append(MessageType.PHONE_NUMBER_UPDATED)
    account.phone_number = phone_number
    account.push_name = push_name
    account.platform = platform
    account.clear_qr()
    account.moving = False  # ready under its new lease: the move is done
    if account.status != AccountStatus.CONNECTED or account.connected_at is None:
        account.connected_at = timezone.now()
    if account.set_status(AccountStatus.CONNECTED, event_id=event_id):
        kinds.insert(0, MessageType.STATUS_CHANGED)
    if not account.is_primary:
        has_primary = WhatsAppAccount.live.filter(workspace=workspace, is_primary=True).exclude(pk=account.pk).exists()
        if inherits_primary or not has_primary:
            account.is_primary = True
            kinds.append(MessageType.PRIMARY_CHANGED)
    account.save()
    broadcast.announce(account, *kinds)
    return account


@transaction.atomic
def account_disconnect(*, account_id: int, reason: str, event_id: str = "") -> WhatsAppAccount:
    """The session stopped. LOGOUT or UNPAIRED: the link is gone (logged_out, the primary flag moves on);
    QR_EXPIRED before any link: failed, and an account that never had a number leaves the list (soft-deleted:
    nobody scanned, the dialog or the tab showing it is gone or shows "expired"); STOPPED of a failed or
    logged-out account: no change; anything else: disconnected, keeping the primary flag."""
    workspace, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    if reason == DisconnectReason.STOPPED and account.status in ENDED_STATUSES:
        return account  # the worker confirms a stop the backend asked for: the account keeps its status
    kinds: list[str] = []
    if reason in LOGGED_OUT_REASONS:
        status = AccountStatus.LOGGED_OUT
    elif reason == DisconnectReason.QR_EXPIRED and account.status == AccountStatus.QR_SCANNING:
        status = AccountStatus.FAILED
    else:
        status = AccountStatus.DISCONNECTED
    account.clear_qr()
    if account.set_status(status, reason, event_id=event_id):
        kinds.append(MessageType.STATUS_CHANGED)
    if status == AccountStatus.FAILED and account.phone_number is None:
        _soft_delete(account, reason=reason)  # an attempt nobody scanned: it leaves the list (the timeline keeps it)
        return account
    if status == AccountStatus.LOGGED_OUT and account.is_primary:
        account.is_primary = False
        kinds.append(MessageType.PRIMARY_CHANGED)
    account.save()
    broadcast.announce(account, *kinds)
    if status == AccountStatus.LOGGED_OUT:
        auth_state_wipe(account=account)  # the phone unlinked the device: the state opens nothing any more
        workspace_promote_next_primary(workspace=workspace)
    return account


@transaction.atomic
def account_fail(*, account_id: int, reason: str, event_id: str = "") -> WhatsAppAccount:
    _, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    account.clear_qr()
    changed = account.set_status(AccountStatus.FAILED, reason, event_id=event_id)
    account.save()
    if changed:
        broadcast.announce(account, MessageType.STATUS_CHANGED)
    return account


@transaction.atomic
def account_logout(*, account_id: int) -> WhatsAppAccount:
    """Log the session out on WhatsApp (the worker wipes its auth); the primary flag moves on."""
    workspace, account = account_lock(account_id=account_id)
    if account.is_deleted:
        raise AccountStateConflict("the account is deleted")
    kinds = (
        [MessageType.STATUS_CHANGED] if account.set_status(AccountStatus.LOGGED_OUT, StatusReason.USER_LOGOUT) else []
    )
    if account.is_primary:
        account.is_primary = False
        kinds.append(MessageType.PRIMARY_CHANGED)
    account.clear_qr()
    account.save()
    auth_state_wipe(account=account)
    broadcast.announce(account, *kinds)
    session_logout_after_commit(worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch)
    workspace_promote_next_primary(workspace=workspace)
    return account


@transaction.atomic
def account_delete(*, account_id: int) -> WhatsAppAccount:
    """Soft delete; the worker is told to log the session out once this commits (a retried task)."""
    workspace, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    _soft_delete(account, reason=StatusReason.USER)
    session_logout_after_commit(worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch)
    workspace_promote_next_primary(workspace=workspace)
    return account


@transaction.atomic
def account_cancel(*, account_id: int) -> WhatsAppAccount:
    """The Connect dialog was closed before the scan: its worker stops the session's page (no QR left rotating).
    An account never linked leaves the list (soft-deleted, DELETED:CANCELLED in its timeline); one linked before
    (a Reconnect) is failed CANCELLED, and can be reconnected. After the scan it is too late to cancel
    (AccountStateConflict: the phone is linking). An ended or deleted account is left as it is."""
    _, account = account_lock(account_id=account_id)
    if account.is_deleted or account.status in (*ENDED_STATUSES, AccountStatus.DISCONNECTED):
        return account
    if account.status != AccountStatus.QR_SCANNING:
        raise AccountStateConflict(f"the account is {account.status}: the phone scanned the code and is linking")
    session_stop_after_commit(worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch)
    account.clear_qr()
    account.set_status(AccountStatus.FAILED, StatusReason.CANCELLED)
    if account.phone_number is None:
        _soft_delete(account, reason=StatusReason.CANCELLED)
    else:
        account.save()
        broadcast.announce(account, MessageType.STATUS_CHANGED)
    log.info("session %s: cancelled before the scan", account.session_id)
    return account


@transaction.atomic
def account_reconnect(*, account_id: int) -> WhatsAppAccount:
    """A new session (new id, new QR) for an account that is not linked, on the freest live worker."""
    workspace, account = account_lock(account_id=account_id)
    if account.is_deleted:
        raise AccountStateConflict("the account is deleted")
    if account.status in LINKED_STATUSES:
        raise AccountStateConflict(f"the account is {account.status}; log it out first")
    workspace_check_connect(workspace=workspace, new_account=False)  # a new QR session: a connect attempt
    worker = worker_pick(workspace_id=account.workspace_id)
    if worker is None:
        raise NoWorkerAvailable("no session worker has free capacity")
    session_stop_after_commit(worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch)
    old_session_id = account.session_id
    account.session_id = new_session_id()
    account.lease_grant(worker)
    account.last_sequence = account.last_epoch = None  # sequences are per session
    auth_state_wipe(account=account)  # a new session links anew
    account.clear_qr()
    account.qr_count = 0
    changed = account.set_status(AccountStatus.QR_SCANNING, StatusReason.RECONNECT)
    account.save()
    log.info("session %s: replaces session %s on worker %s", account.session_id, old_session_id, worker.id)
    if changed:
        broadcast.announce(account, MessageType.STATUS_CHANGED)
    session_start_after_commit(account)
    return account


def accounts_expire_stale_qr(*, now: dt.datetime | None = None) -> list[str]:
    """Accounts in qr_scanning for longer than QR_LIFETIME_S: failed (QR_EXPIRED), their session stopped; one
    never linked leaves the list (account_disconnect). What ends an attempt whose browser tab was closed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.QR_LIFETIME_S)
    expired: list[str] = []
    stale = WhatsAppAccount.live.filter(status=AccountStatus.QR_SCANNING, status_changed_at__lt=cutoff)
    for account_id in stale.order_by("workspace_id", "id").values_list("id", flat=True):
        with transaction.atomic():
            _, account = account_lock(account_id=account_id)
            # Checked again under the lock: a scan may have landed since the query above.
            if account.is_deleted or account.status != AccountStatus.QR_SCANNING or account.status_changed_at >= cutoff:
                continue
            account_disconnect(account_id=account_id, reason=DisconnectReason.QR_EXPIRED)
            session_stop_after_commit(
                worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch
            )
            expired.append(account.session_id)
    return expired
