"""One handler per session event type: what the event does to the session's account (the account services).
The inbox calls the one of the event's type once the event is verified, new, in order and of the current lease
(receive.py)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.endings import account_disconnect, account_fail
from backend.accounts.services.linking import (
    account_authenticate,
    account_connect,
    account_qr_update,
    account_sync_progress,
)
from backend.incidents.services import build_booted, page_change_report
from shared.events import Event, EventType

log = logging.getLogger(__name__)


def _qr_code_generated(account: WhatsAppAccount, event: Event) -> None:
    account_qr_update(
        account_id=account.pk,
        qr=event.data["qr"],
        qr_count=event.data["qr_count"],
        expires_in=event.data["expires_in"],
        event_id=event.id,
    )


def _session_authenticated(account: WhatsAppAccount, event: Event) -> None:
    account_authenticate(account_id=account.pk, event_id=event.id)


def _session_sync_progress(account: WhatsAppAccount, event: Event) -> None:
    account_sync_progress(account_id=account.pk, percent=event.data["percent"])


def _session_ready(account: WhatsAppAccount, event: Event) -> None:
    account_connect(
        account_id=account.pk,
        phone_number=event.data["phone_number"],
        push_name=event.data["pushname"],
        platform=event.data["platform"],
        event_id=event.id,
    )


def _session_disconnected(account: WhatsAppAccount, event: Event) -> None:
    account_disconnect(account_id=account.pk, reason=event.data["reason"], event_id=event.id)


def _session_error(account: WhatsAppAccount, event: Event) -> None:
    log.warning("session %s: error %s %s", account.session_id, event.data["reason"], event.data["detail"][:200])
    account_fail(account_id=account.pk, reason=event.data["reason"], event_id=event.id)


def _session_booted(account: WhatsAppAccount, event: Event) -> None:
    build_booted(account=account, build=event.data["build"], at=dt.datetime.fromisoformat(event.occurred_at))


def _session_page_changed(account: WhatsAppAccount, event: Event) -> None:
    # The session itself ends by the session_disconnected PAGE_CHANGED that follows (account_disconnect).
    page_change_report(account=account, build=event.data["build"], changes=event.data["changes"])


SESSION_HANDLERS: dict[str, Callable[[WhatsAppAccount, Event], None]] = {
    EventType.QR_CODE_GENERATED: _qr_code_generated,
    EventType.SESSION_AUTHENTICATED: _session_authenticated,
    EventType.SESSION_SYNC_PROGRESS: _session_sync_progress,
    EventType.SESSION_READY: _session_ready,
    EventType.SESSION_DISCONNECTED: _session_disconnected,
    EventType.SESSION_ERROR: _session_error,
    EventType.SESSION_BOOTED: _session_booted,
    EventType.SESSION_PAGE_CHANGED: _session_page_changed,
}
