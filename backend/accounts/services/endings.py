"""How a session ends, for its account: the worker reports it stopped or failed, or a user logs it out or
deletes it. Each takes the account's locks (``locks.account_lock``: the workspace row first), and a primary that
leaves hands its flag on (``primary.workspace_promote_next_primary``). Broadcasts and commands to the worker leave
only after the transaction commits.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from backend.accounts.errors import AccountStateConflict
from backend.accounts.models import (
    ENDED_STATUSES,
    AccountStatus,
    AccountStatusChange,
    StatusReason,
    WhatsAppAccount,
)
from backend.accounts.services.limits import attempt_refund
from backend.accounts.services.locks import account_lock
from backend.accounts.services.primary import workspace_promote_next_primary
from backend.fleet.commands import session_logout_after_commit
from backend.fleet.services.auth_state import auth_state_wipe
from backend.live.broadcast import announce
from backend.live.messages import MessageType
from shared.events import DisconnectReason
from shared.proxy import PROXY_REASONS

log = logging.getLogger(__name__)

# A worker's disconnect reasons that mean the link with the phone is gone (a new QR is needed).
LOGGED_OUT_REASONS = frozenset({DisconnectReason.LOGOUT, DisconnectReason.UNPAIRED})
# The session could not run through no fault of the attempt (its proxy failed its check, WhatsApp Web's page
# changed): a new attempt fails, kept in the list to say why and not charged; a linked session keeps its lease.
NOT_THE_ATTEMPTS_FAULT = frozenset({*PROXY_REASONS, DisconnectReason.PAGE_CHANGED})


def account_soft_delete(*, account: WhatsAppAccount, reason: str) -> None:
    """Soft-delete the locked ``account`` (saved): it frees its number and the primary slot, its auth state is
    wiped, its timeline records why, and the page drops it."""
    account.deleted_at = timezone.now()
    account.is_primary = False
    account.moving = False
    account.clear_qr()
    auth_state_wipe(account=account)
    AccountStatusChange.objects.create(
        account=account,
        status=account.status,
        reason=StatusReason.deleted(reason),
        proxy=account.proxy_address,
        whatsapp_web_build=account.whatsapp_web_build,
    )
    account.save()
    log.info("session %s: deleted (%s)", account.session_id, reason)
    announce(account, MessageType.ACCOUNT_DELETED)


@transaction.atomic
def account_disconnect(*, account_id: int, reason: str, event_id: str = "") -> WhatsAppAccount:
    """The session stopped. LOGOUT or UNPAIRED: the link is gone (logged_out, the primary flag moves on);
    QR_EXPIRED before any link: failed, and an account that never had a number leaves the list (soft-deleted:
    nobody scanned, the dialog or the tab showing it is gone or shows "expired"); a proxy that failed its check
    (PROXY_REASONS) before any link: failed and kept in the list to say why, the attempt not charged against the
    workspace's limits, and of a linked session: disconnected, its lease kept (its worker retries it, no QR);
    PAGE_CHANGED (WhatsApp Web's page lacks what the worker needs) likewise;
    STOPPED of a failed or logged-out account: no change; anything else: disconnected, keeping the primary flag."""
    workspace, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    if reason == DisconnectReason.STOPPED and account.status in ENDED_STATUSES:
        return account  # the worker confirms a stop the backend asked for: the account keeps its status
    if reason in NOT_THE_ATTEMPTS_FAULT and account.status in ENDED_STATUSES:
        return account  # a late report of an attempt that already ended: it must not run again
    kinds: list[str] = []
    if reason in LOGGED_OUT_REASONS:
        status = AccountStatus.LOGGED_OUT
    elif reason == DisconnectReason.QR_EXPIRED and account.status == AccountStatus.QR_SCANNING:
        status = AccountStatus.FAILED
    elif reason in NOT_THE_ATTEMPTS_FAULT and account.status == AccountStatus.QR_SCANNING:
        status = AccountStatus.FAILED  # a new attempt: its worker ended it; Reconnect once the cause is fixed
        attempt_refund(account=account, why=reason)
    else:
        status = AccountStatus.DISCONNECTED
    account.clear_qr()
    if account.set_status(status, reason, event_id=event_id):
        kinds.append(MessageType.STATUS_CHANGED)
    if status == AccountStatus.FAILED and account.phone_number is None and reason not in NOT_THE_ATTEMPTS_FAULT:
        # An attempt nobody scanned: it leaves the list (the timeline keeps it).
        account_soft_delete(account=account, reason=reason)
        return account
    if status == AccountStatus.LOGGED_OUT and account.is_primary:
        account.is_primary = False
        kinds.append(MessageType.PRIMARY_CHANGED)
    account.save()
    announce(account, *kinds)
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
        announce(account, MessageType.STATUS_CHANGED)
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
    announce(account, *kinds)
    session_logout_after_commit(worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch)
    workspace_promote_next_primary(workspace=workspace)
    return account


@transaction.atomic
def account_delete(*, account_id: int) -> WhatsAppAccount:
    """Soft delete; the worker is told to log the session out once this commits (a retried task)."""
    workspace, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    account_soft_delete(account=account, reason=StatusReason.USER)
    session_logout_after_commit(worker_id=account.worker_id, session_id=account.session_id, epoch=account.lease_epoch)
    workspace_promote_next_primary(workspace=workspace)
    return account
