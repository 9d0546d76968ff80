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
)
from backend.accounts.selectors import account_qr_svg
from backend.accounts.services.auth_state import auth_state_wipe
from backend.accounts.services.common import (
    AccountStateConflict,
    NoWorkerAvailable,
    account_lock,
    session_logout_after_commit,
    session_start_after_commit,
    session_stop_after_commit,
)
from backend.accounts.services.placement import worker_pick
from backend.accounts.services.primary import workspace_promote_next_primary
from shared.events import DisconnectReason

log = logging.getLogger(__name__)

# A worker's disconnect reasons that mean the link with the phone is gone (a new QR is needed).
LOGGED_OUT_REASONS = frozenset({DisconnectReason.LOGOUT, DisconnectReason.UNPAIRED})


def new_session_id() -> str:
    return f"wa_{uuid.uuid4().hex}"


def _soft_delete(account: WhatsAppAccount, *, reason: StatusReason) -> None:
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
    """ "Connect WhatsApp": a new account waiting for its QR, on the worker with the most free capacity."""
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


@transaction.atomic
def account_qr_update(
    *, account_id: int, qr: str, qr_count: int, expires_in: int, event_id: str = ""
) -> WhatsAppAccount:
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
    broadcast.announce(account, MessageType.QR_CODE_GENERATED, extra={"qr_svg": account_qr_svg(account=account)})
    return account


@transaction.atomic
def account_authenticate(*, account_id: int, event_id: str = "") -> WhatsAppAccount:
    _, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    account.clear_qr()
    changed = account.set_status(AccountStatus.AUTHENTICATED, event_id=event_id)
    account.save()
    if changed:
        broadcast.announce(account, MessageType.STATUS_CHANGED)
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
    QR_EXPIRED before any link: failed; STOPPED of a failed or logged-out account: no change; anything
    else: disconnected, keeping the primary flag."""
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
def account_reconnect(*, account_id: int) -> WhatsAppAccount:
    """A new session (new id, new QR) for an account that is not linked, on the freest live worker."""
    _, account = account_lock(account_id=account_id)
    if account.is_deleted:
        raise AccountStateConflict("the account is deleted")
    if account.status in LINKED_STATUSES:
        raise AccountStateConflict(f"the account is {account.status}; log it out first")
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
    """Accounts in qr_scanning for longer than QR_LIFETIME_S: failed (QR_EXPIRED), their session stopped."""
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
            account_fail(account_id=account_id, reason=DisconnectReason.QR_EXPIRED)
            session_stop_after_commit(
                worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch
            )
            expired.append(account.session_id)
    return expired
