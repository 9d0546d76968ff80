"""What a session's reports do to its account while it links: a QR shown (and each rotation), the scan accepted,
the phone's history sync, and the link made (connected, with its number; duplicates replaced; primary if the
workspace has none). The webhook inbox calls these (backend/inbox/handlers.py), each event once and in order.

Every decision about a workspace's primary account or its phone numbers is taken with the workspace row
locked (``locks.account_lock``), always before the account rows, so that concurrent sessions of one workspace
are serialized and the partial unique indexes of models.py are never what refuses a write.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import AccountStatus, StatusReason, WhatsAppAccount
from backend.accounts.services.endings import account_soft_delete
from backend.accounts.services.locks import account_lock
from backend.fleet.commands import session_logout_after_commit
from backend.live.broadcast import announce
from backend.live.messages import MessageType

# The hot path's one statement (account_qr_show_if_newer): the newer QR of the current lease, written and read
# back in one round trip (PostgreSQL and SQLite both have RETURNING).
_SHOW_NEWER_QR = """
UPDATE {table}
   SET qr_code = %s, qr_count = %s, qr_expires_at = %s, last_epoch = %s, last_sequence = %s, updated_at = %s
 WHERE session_id = %s AND worker_id = %s AND deleted_at IS NULL AND status = %s AND lease_epoch = %s AND NOT moving
   AND (last_sequence IS NULL OR (last_epoch = %s AND last_sequence < %s)) {and_workspace}
RETURNING *
"""


def account_qr_show_if_newer(
    *,
    worker_id: str,
    session_id: str,
    workspace_id: int | None,
    epoch: int,
    sequence: int,
    qr: str,
    qr_count: int,
    expires_in: int,
) -> WhatsAppAccount | None:
    """The webhook's hot path: a newer QR for a live account that already shows QRs, applied with one
    conditional ``UPDATE ... RETURNING`` (``_SHOW_NEWER_QR``: it locks the row only while it writes, the sequence
    rule is part of its WHERE, and the changed row comes back with it: nothing is read again) and broadcast after
    the commit. None when it does not apply as is (unknown session, not ``worker_id``'s lease, another workspace,
    deleted, not showing QRs, moving, another epoch than the lease's, or not newer): the caller then takes the path
    that locks and tells those apart.

    Only the account row changes, and no primary flag or phone number, so the workspace row is not locked.
    The QR is not drawn here: the broadcast carries the QR string, and its SVG is drawn on demand (qr.svg).
    """
    now = timezone.now()
    params: list = [qr, qr_count, now + dt.timedelta(seconds=expires_in), epoch, sequence, now]
    params += [session_id, worker_id, AccountStatus.QR_SCANNING.value, epoch, epoch, sequence]
    and_workspace = ""
    if workspace_id is not None:
        and_workspace = "AND workspace_id = %s"
        params.append(workspace_id)
    statement = _SHOW_NEWER_QR.format(table=WhatsAppAccount._meta.db_table, and_workspace=and_workspace)
    changed = list(WhatsAppAccount.objects.raw(statement, params))  # raw(): the ORM converts the row's values
    account = changed[0] if changed else None
    if account is None:
        return None
    announce(account, MessageType.QR_CODE_GENERATED)
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
        announce(account, MessageType.STATUS_CHANGED)
    announce(account, MessageType.QR_CODE_GENERATED)
    return account


@transaction.atomic
def account_authenticate(*, account_id: int, event_id: str = "") -> WhatsAppAccount:
    _, account = account_lock(account_id=account_id)
    if account.is_deleted:
        return account
    account.clear_qr()
    account.sync_percent = None  # a new link (or a restore): its history sync is still to come
    # Not a scan but its kept login opening again (the worker restarted, the session moved): it is reconnecting.
    restored = account.status != AccountStatus.QR_SCANNING and account.phone_number is not None
    changed = account.set_status(
        AccountStatus.AUTHENTICATED, StatusReason.RESTORE if restored else "", event_id=event_id
    )
    account.save()
    if changed:
        announce(account, MessageType.STATUS_CHANGED)
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
    announce(account, MessageType.SYNC_PROGRESS)
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
        # Saved first: it frees the number and the primary slot.
        account_soft_delete(account=older, reason=StatusReason.REPLACED)
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
    announce(account, *kinds)
    return account
