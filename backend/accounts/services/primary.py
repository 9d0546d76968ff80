"""The workspace's primary account: set by a user, handed on when it leaves (the first account to connect
takes it in ``accounts.account_connect``).

The workspace row is locked (``locks.account_lock``) before any of its accounts' flags change: the partial
unique index allows one primary per workspace, and the lock makes sure no write of ours ever trips it.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F

from backend.accounts.errors import AccountStateConflict
from backend.accounts.models import AccountStatus, WhatsAppAccount, Workspace
from backend.accounts.services.locks import account_lock
from backend.live.broadcast import announce
from backend.live.messages import MessageType

log = logging.getLogger(__name__)


@transaction.atomic
def account_set_primary(*, account_id: int) -> WhatsAppAccount:
    workspace, account = account_lock(account_id=account_id)
    if account.is_deleted or account.status != AccountStatus.CONNECTED:
        raise AccountStateConflict("only a connected account can be primary")
    if account.is_primary:
        return account
    for previous in WhatsAppAccount.live.select_for_update().filter(workspace=workspace, is_primary=True):
        previous.is_primary = False
        previous.save(update_fields=["is_primary", "updated_at"])  # first: one primary per workspace
        announce(previous, MessageType.PRIMARY_CHANGED)
    account.is_primary = True
    account.save(update_fields=["is_primary", "updated_at"])
    log.info("session %s: set primary", account.session_id)
    announce(account, MessageType.PRIMARY_CHANGED)
    return account


def workspace_promote_next_primary(*, workspace: Workspace) -> WhatsAppAccount | None:
    """The primary left (deleted, logged out): make the oldest connection primary, if the workspace has no
    primary. The workspace must be locked."""
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
    announce(successor, MessageType.PRIMARY_CHANGED)
    return successor
