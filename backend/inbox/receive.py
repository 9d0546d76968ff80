"""Applying a verified, parsed event: apply it and store it in the inbox, in one transaction.

One handler per event type (handlers.py). Session events are applied to the account that owns the session, with the
workspace and account rows locked, and only
- from the session's current lease: an event of another epoch comes from a worker that no longer holds the
  session (it moved) and is refused (``stale_epoch``, answered 409 so that the worker stops it);
- when newer than the last (epoch, sequence) applied for that session (older or equal ones are ``stale``).
The commonest event, a newer QR of the current lease for an account that already shows QRs, takes a shorter
path: one conditional UPDATE (``account_qr_show_if_newer``). The inbox row and the change commit together: a
crash between them leaves nothing behind, so the worker's retry applies the event then; a repeated event id
(the inbox's unique column) rolls back what the repeat did and is answered as a duplicate. A heartbeat is
answered with the leases its worker holds. Old inbox rows are pruned by a beat job (services.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.linking import account_qr_show_if_newer
from backend.accounts.services.locks import account_lock
from backend.fleet.services.workers import worker_heartbeat
from backend.inbox.handlers import SESSION_HANDLERS
from backend.inbox.models import EventOutcome, WebhookEvent
from shared.events import Event, EventType

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Receipt:
    outcome: str
    duplicate: bool = False
    detail: str = ""
    answer: dict[str, Any] = dataclasses.field(default_factory=dict)  # more for the sender (a heartbeat's leases)

    @property
    def status_code(self) -> int:
        return 409 if self.outcome == EventOutcome.STALE_EPOCH else 200

    def body(self) -> dict[str, Any]:
        if self.outcome == EventOutcome.STALE_EPOCH:
            return {"error": "stale_epoch", "detail": self.detail, **self.answer}
        return {"status": self.outcome, "detail": self.detail, **self.answer}


def _apply_heartbeat(event: Event) -> tuple[str, str, dict[str, Any]]:
    leases = worker_heartbeat(
        worker_id=event.worker_id,
        base_url=event.data["base_url"],
        capacity=event.data["capacity"],
        sessions=event.data["sessions"],
        observed_at=dt.datetime.fromisoformat(event.occurred_at),
    )
    return EventOutcome.APPLIED, "", leases


def _apply_session_event(event: Event) -> tuple[str, str, dict[str, Any]]:
    if event.type == EventType.QR_CODE_GENERATED and _qr_shown_at_once(event):
        return EventOutcome.APPLIED, "", {}
    ref = WhatsAppAccount.objects.filter(session_id=event.session_id).values("pk", "workspace_id").first()
    if ref is None:
        log.info("session %s: %s for no known account", event.session_id, event.type)
        return EventOutcome.UNKNOWN_SESSION, "no account has this session", {}
    if event.workspace_id and event.workspace_id != str(ref["workspace_id"]):
        log.warning("session %s: event names workspace %s, not its own", event.session_id, event.workspace_id)
        return EventOutcome.IGNORED, "the session belongs to another workspace", {}
    # Workspace first, then the account, as every service locks them (the lease and the applied (epoch,
    # sequence) are read under it, so a move cannot slip between this check and the change).
    _, account = account_lock(account_id=ref["pk"], workspace_id=ref["workspace_id"])
    if account.is_deleted:
        return EventOutcome.IGNORED, "the account is deleted", {}
    if event.epoch != account.lease_epoch:
        log.warning(
            "session %s: %s from %s at epoch %s refused, the lease is at epoch %s (worker %s)",
            event.session_id, event.type, event.worker_id, event.epoch, account.lease_epoch, account.worker_id,
        )  # fmt: skip
        detail = f"epoch {event.epoch} is not the session's lease (epoch {account.lease_epoch}); stop driving it"
        return EventOutcome.STALE_EPOCH, detail, {"epoch": account.lease_epoch}
    applied = (account.last_epoch or 0, account.last_sequence)
    if applied[1] is not None and (event.epoch, event.sequence) <= applied:
        log.info("session %s: %s %s is stale (applied %s)", event.session_id, event.type,
                 (event.epoch, event.sequence), applied)  # fmt: skip
        return EventOutcome.STALE, f"(epoch, sequence) {(event.epoch, event.sequence)} <= applied {applied}", {}
    SESSION_HANDLERS[event.type](account, event)
    WhatsAppAccount.objects.filter(pk=account.pk).update(last_sequence=event.sequence, last_epoch=event.epoch)
    return EventOutcome.APPLIED, "", {}


def _qr_shown_at_once(event: Event) -> bool:
    """The hot path of a QR (see ``account_qr_show_if_newer``); False sends the event down the locking path."""
    if event.workspace_id and not event.workspace_id.isdigit():
        return False  # not one of ours: the locking path records it as ignored
    account = account_qr_show_if_newer(
        session_id=event.session_id,
        workspace_id=int(event.workspace_id) if event.workspace_id else None,
        epoch=event.epoch,
        sequence=event.sequence,
        qr=event.data["qr"],
        qr_count=event.data["qr_count"],
        expires_in=event.data["expires_in"],
    )
    return account is not None


def _apply(event: Event) -> tuple[str, str, dict[str, Any]]:
    if event.type == EventType.WORKER_HEARTBEAT:
        return _apply_heartbeat(event)
    if not event.known:
        return EventOutcome.IGNORED, f"unknown event type {event.type!r}", {}
    return _apply_session_event(event)


def receive(event: Event) -> Receipt:
    """Apply ``event`` and store it in the inbox; a repeated event id is answered without applying again."""
    received_at = timezone.now()
    try:
        with transaction.atomic():
            outcome, detail, answer = _apply(event)
            WebhookEvent.objects.create(
                event_id=event.id,
                type=event.type,
                session_id=event.session_id,
                workspace_id=event.workspace_id,
                worker_id=event.worker_id,
                epoch=event.epoch,
                sequence=event.sequence,
                occurred_at=dt.datetime.fromisoformat(event.occurred_at),
                payload=event.to_dict(),
                received_at=received_at,
                outcome=outcome,
                detail=detail[:256],
                applied_at=timezone.now() if outcome == EventOutcome.APPLIED else None,
            )
    except IntegrityError:
        # The event id is unique: an earlier delivery of this event committed (a concurrent one waits on the
        # index until the first commits, then lands here), and what this one did is rolled back with it.
        if not WebhookEvent.objects.filter(event_id=event.id).exists():
            raise  # another constraint: a bug, not a repeat
        log.info("session %s: %s %s is a duplicate", event.session_id, event.type, event.id)
        return Receipt(outcome="duplicate", duplicate=True)
    return Receipt(outcome=str(outcome), detail=detail, answer=answer)
