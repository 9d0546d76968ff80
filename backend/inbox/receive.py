"""Applying a verified, parsed event: apply it and store it in the inbox, in one transaction.

One handler per event type (handlers.py). Every event comes from an authenticated worker (inbox/views.py) and must
name it. Session events are applied to the account that owns the session, with the workspace and account rows
locked, and only
- from the worker that holds the session's lease (else 403 ``not_lease_holder``), and from its current epoch: an
  event of another epoch comes from before a move and is refused (409 ``stale_epoch``); either way nothing is
  stored, the worker stops driving the session, and the audit log names the worker;
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

from backend import audit
from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.linking import account_qr_show_if_newer
from backend.accounts.services.locks import account_lock
from backend.fleet.services.workers import worker_heartbeat
from backend.inbox.handlers import SESSION_HANDLERS
from backend.inbox.models import EventOutcome, WebhookEvent
from backend.metrics import counters
from shared.events import Event, EventType

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Receipt:
    outcome: str
    duplicate: bool = False
    detail: str = ""
    answer: dict[str, Any] = dataclasses.field(default_factory=dict)  # more for the sender (a heartbeat's leases)

    status_code = 200

    def body(self) -> dict[str, Any]:
        return {"status": self.outcome, "detail": self.detail, **self.answer}


class Refused(Exception):
    """Not the sending worker's to send (another worker's session or name, a lease it no longer holds): answered
    ``status`` with ``error``, nothing stored, the worker named in the audit log. 403 ``not_lease_holder`` and 409
    ``stale_epoch`` both tell the worker to stop driving the session; neither says whose it is or its epoch."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail}


def _refuse(event: Event, worker_id: str, status: int, error: str, detail: str, why: str) -> Refused:
    audit.refused(worker_id=worker_id, what=f"{event.type} {event.id}", session_id=event.session_id, why=why)
    return Refused(status, error, detail)


def _apply_heartbeat(event: Event, worker_id: str) -> tuple[str, str, dict[str, Any]]:
    leases = worker_heartbeat(
        worker_id=worker_id,
        sessions=event.data["sessions"],
        observed_at=dt.datetime.fromisoformat(event.occurred_at),
    )
    return EventOutcome.APPLIED, "", leases


def _apply_session_event(event: Event, worker_id: str) -> tuple[str, str, dict[str, Any]]:
    if event.type == EventType.QR_CODE_GENERATED and _qr_shown_at_once(event, worker_id):
        return EventOutcome.APPLIED, "", {}
    ref = WhatsAppAccount.objects.filter(session_id=event.session_id).values("pk", "workspace_id", "worker_id").first()
    not_yours = "this worker does not hold the session's lease; stop driving it"
    if ref is None or ref["worker_id"] != worker_id:
        holder = "no account has it" if ref is None else f"its lease is worker {ref['worker_id']}'s"
        raise _refuse(event, worker_id, 403, "not_lease_holder", not_yours, holder)
    if event.workspace_id and event.workspace_id != str(ref["workspace_id"]):
        why = f"it names workspace {event.workspace_id}, not its own"
        raise _refuse(event, worker_id, 403, "workspace_mismatch", "the session belongs to another workspace", why)
    # Workspace first, then the account, as every service locks them (the lease and the applied (epoch,
    # sequence) are read under it, so a move cannot slip between this check and the change).
    _, account = account_lock(account_id=ref["pk"], workspace_id=ref["workspace_id"])
    if account.worker_id != worker_id:
        raise _refuse(event, worker_id, 403, "not_lease_holder", not_yours, "its lease moved meanwhile")
    if account.is_deleted:
        return EventOutcome.IGNORED, "the account is deleted", {}
    if event.epoch != account.lease_epoch:
        why = f"epoch {event.epoch}, the lease is at another"
        raise _refuse(event, worker_id, 409, "stale_epoch", "not the session's current lease; stop driving it", why)
    applied = (account.last_epoch or 0, account.last_sequence)
    if applied[1] is not None and (event.epoch, event.sequence) <= applied:
        log.info("session %s: %s %s is stale (applied %s)", event.session_id, event.type,
                 (event.epoch, event.sequence), applied)  # fmt: skip
        return EventOutcome.STALE, f"(epoch, sequence) {(event.epoch, event.sequence)} <= applied {applied}", {}
    SESSION_HANDLERS[event.type](account, event)
    WhatsAppAccount.objects.filter(pk=account.pk).update(last_sequence=event.sequence, last_epoch=event.epoch)
    return EventOutcome.APPLIED, "", {}


def _qr_shown_at_once(event: Event, worker_id: str) -> bool:
    """The hot path of a QR (see ``account_qr_show_if_newer``); False sends the event down the locking path."""
    if event.workspace_id and not event.workspace_id.isdigit():
        return False  # not one of ours: the locking path records it as ignored
    account = account_qr_show_if_newer(
        worker_id=worker_id,
        session_id=event.session_id,
        workspace_id=int(event.workspace_id) if event.workspace_id else None,
        epoch=event.epoch,
        sequence=event.sequence,
        qr=event.data["qr"],
        qr_count=event.data["qr_count"],
        expires_in=event.data["expires_in"],
    )
    return account is not None


def _apply(event: Event, worker_id: str) -> tuple[str, str, dict[str, Any]]:
    if event.worker_id != worker_id:
        why = f"it names worker {event.worker_id}"
        raise _refuse(event, worker_id, 403, "worker_mismatch", "an event names the worker that signs it", why)
    if event.type == EventType.WORKER_HEARTBEAT:
        return _apply_heartbeat(event, worker_id)
    if not event.known:
        return EventOutcome.IGNORED, f"unknown event type {event.type!r}", {}
    return _apply_session_event(event, worker_id)


def receive(event: Event, *, worker_id: str) -> Receipt:
    """Apply ``event``, sent by the authenticated worker ``worker_id``, and store it in the inbox; a repeated event
    id is answered without applying again. Refused (raised, nothing stored) when it is not that worker's to send."""
    received_at = timezone.now()
    try:
        with transaction.atomic():
            outcome, detail, answer = _apply(event, worker_id)
            WebhookEvent.objects.create(
                event_id=event.id,
                type=event.type,
                session_id=event.session_id,
                workspace_id=event.workspace_id,
                worker_id=event.worker_id,
                epoch=event.epoch,
                sequence=event.sequence,
                occurred_at=dt.datetime.fromisoformat(event.occurred_at),
                # an unknown type is kept as a fact (who sent what, when), never its data
                payload=event.to_dict() if event.known else {**event.to_dict(), "data": {}},
                received_at=received_at,
                outcome=outcome,
                detail=detail[:256],
                applied_at=timezone.now() if outcome == EventOutcome.APPLIED else None,
            )
    except Refused as refusal:
        counters.event_received(type=event.type, outcome="refused")
        counters.refused(endpoint="webhook", reason=refusal.error)
        raise
    except IntegrityError:
        # The event id is unique: an earlier delivery of this event committed (a concurrent one waits on the
        # index until the first commits, then lands here), and what this one did is rolled back with it.
        if not WebhookEvent.objects.filter(event_id=event.id).exists():
            raise  # another constraint: a bug, not a repeat
        log.info("session %s: %s %s is a duplicate", event.session_id, event.type, event.id)
        counters.event_received(type=event.type, outcome="duplicate")
        return Receipt(outcome="duplicate", duplicate=True)
    counters.event_received(type=event.type, outcome=str(outcome))
    return Receipt(outcome=str(outcome), detail=detail, answer=answer)
