"""Accounts as the page shows them, written straight to the database (the views only read them)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from backend.accounts.models import AccountStatusChange, WhatsAppAccount, Workspace
from backend.inbox.models import WebhookEvent


def make_account(
    workspace: Workspace,
    *,
    status: str = "connected",
    phone_number: str | None = None,
    is_primary: bool = False,
    push_name: str = "",
    platform: str = "",
    **fields,
) -> WhatsAppAccount:
    connected_at = timezone.now() if status == "connected" else None
    return WhatsAppAccount.objects.create(
        workspace=workspace,
        session_id=f"wa_{uuid.uuid4().hex}",
        status=status,
        phone_number=phone_number,
        is_primary=is_primary,
        push_name=push_name,
        platform=platform,
        connected_at=connected_at,
        **fields,
    )


def record_status(account: WhatsAppAccount, status: str, *, at: dt.datetime, reason: str = "") -> None:
    AccountStatusChange.objects.create(account=account, status=status, reason=reason, at=at)


def record_event(account: WhatsAppAccount, type: str, *, at: dt.datetime, sequence: int, data: dict | None = None):
    WebhookEvent.objects.create(
        event_id=f"evt_{uuid.uuid4().hex}",
        type=type,
        session_id=account.session_id,
        workspace_id=str(account.workspace_id),
        worker_id="worker-1",
        sequence=sequence,
        occurred_at=at,
        received_at=at,
        payload={"data": data or {}},
    )
