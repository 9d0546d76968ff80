"""Connect attempts: "Connect WhatsApp" (a new account), Reconnect (a new session for an account that is not
linked), Cancel (the dialog closed before the scan), and the expiry of a QR nobody scanned. Each new session is
placed on a worker (``backend.fleet.services.placement.worker_pick``) under a new lease, counted against the
workspace's limits (``limits.workspace_check_connect``), and started there once the transaction commits. None
is started while an incident is open (WhatsApp Web changed: backend/incidents/).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.accounts.errors import AccountStateConflict, NoWorkerAvailable, WhatsAppWebChanged
from backend.accounts.models import (
    ENDED_STATUSES,
    LINKED_STATUSES,
    AccountStatus,
    AccountStatusChange,
    StatusReason,
    WhatsAppAccount,
    Workspace,
)
from backend.accounts.services.endings import account_disconnect, account_soft_delete
from backend.accounts.services.limits import workspace_check_connect
from backend.accounts.services.locks import account_lock
from backend.egress.selectors import account_proxy_address
from backend.fleet.commands import session_start_after_commit, session_stop_after_commit
from backend.fleet.services.auth_state import auth_state_wipe
from backend.fleet.services.placement import worker_pick
from backend.incidents.selectors import incident_open
from backend.live.broadcast import announce
from backend.live.messages import MessageType
from backend.metrics import counters
from shared.events import DisconnectReason

log = logging.getLogger(__name__)


def new_session_id() -> str:
    return f"wa_{uuid.uuid4().hex}"


def _check_whatsapp_web() -> None:
    """Raise WhatsAppWebChanged while an incident is open: a new session would fail the same way."""
    incident = incident_open()
    if incident is not None:
        log.info("connect refused: incident %s is open (WhatsApp Web build %s)", incident.pk, incident.build)
        raise WhatsAppWebChanged(incident.detail, incident_id=incident.pk)


@transaction.atomic
def account_create(*, workspace_id: int) -> WhatsAppAccount:
    """ "Connect WhatsApp": a new account waiting for its QR, on the worker with the most free capacity, if the
    workspace's limits allow it (limits.LimitReached otherwise)."""
    _check_whatsapp_web()
    # The workspace row locked until the account is recorded: two connects at a limit are counted one after the
    # other, so exactly one of them takes the last slot.
    workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
    workspace_check_connect(workspace=workspace, new_account=True)
    worker = worker_pick(workspace_id=workspace_id)
    if worker is None:
        raise NoWorkerAvailable("no session worker has free capacity")
    account = WhatsAppAccount(workspace_id=workspace_id, session_id=new_session_id(), status=AccountStatus.QR_SCANNING)
    account.proxy_address = account_proxy_address(workspace_id=workspace_id)  # what its start command will carry
    account.lease_grant(worker)
    account.save()
    AccountStatusChange.objects.create(
        account=account, status=account.status, reason=StatusReason.CREATED, proxy=account.proxy_address
    )
    log.info("session %s: created on worker %s", account.session_id, worker.id)
    announce(account, MessageType.STATUS_CHANGED)
    session_start_after_commit(account_id=account.pk, session_id=account.session_id, epoch=account.lease_epoch)
    counters.connect_attempt(kind="create")
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
        account_soft_delete(account=account, reason=StatusReason.CANCELLED)
    else:
        account.save()
        announce(account, MessageType.STATUS_CHANGED)
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
    _check_whatsapp_web()
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
    account.proxy_address = account_proxy_address(workspace_id=account.workspace_id, account_id=account.pk)
    changed = account.set_status(AccountStatus.QR_SCANNING, StatusReason.RECONNECT)
    account.save()
    log.info("session %s: replaces session %s on worker %s", account.session_id, old_session_id, worker.id)
    if changed:
        announce(account, MessageType.STATUS_CHANGED)
    session_start_after_commit(account_id=account.pk, session_id=account.session_id, epoch=account.lease_epoch)
    counters.connect_attempt(kind="reconnect")
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
