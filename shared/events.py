"""The event envelope: build (:func:`make_event`), validate (:func:`validate_event`) and decode
(:func:`parse_event`) the events a worker sends the backend, with validation that names the bad field.

Envelope (JSON object)::

    {"id", "type", "session_id", "workspace_id", "worker_id", "epoch", "sequence", "occurred_at", "data"}

``id`` is also the ``webhook-id`` header and stays the same across retries. ``epoch`` is the session's lease
epoch on the sending worker (the fencing token, docs/design.md "Many workers"; missing means 0, a session with
no lease). ``sequence`` grows per session on the worker and survives worker restarts; the backend orders a
session's events by ``(epoch, sequence)``. Unknown types pass envelope validation with their ``data``
unchecked (``Event.known`` is False) so that either side can be upgraded first.

This is the module both services import: the names (shared/names.py), the field checks (shared/fields.py) and
each type's payload (shared/payloads.py) are re-exported here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from shared.fields import ID_RE, PHONE_RE, REASON_RE, EventValidationError, integer, no_extra, require, string
from shared.names import DisconnectReason, EventType, SessionState
from shared.payloads import PAYLOAD_VALIDATORS, QR_PARTS

__all__ = [
    "ENVELOPE_FIELDS",
    "ID_RE",
    "MAX_BODY_BYTES",
    "PAYLOAD_VALIDATORS",
    "PHONE_RE",
    "QR_PARTS",
    "REASON_RE",
    "DisconnectReason",
    "Event",
    "EventType",
    "EventValidationError",
    "SessionState",
    "make_event",
    "new_event_id",
    "parse_event",
    "utc_now_iso",
    "validate_event",
]

MAX_BODY_BYTES = 256 * 1024

ENVELOPE_FIELDS = {"id", "type", "session_id", "workspace_id", "worker_id", "epoch", "sequence", "occurred_at", "data"}


@dataclasses.dataclass(frozen=True)
class Event:
    id: str
    type: str
    session_id: str
    workspace_id: str
    worker_id: str
    sequence: int
    occurred_at: str
    data: dict[str, Any]
    epoch: int = 0

    @property
    def known(self) -> bool:
        return self.type in PAYLOAD_VALIDATORS

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True).encode()


def validate_event(obj: Any) -> Event:
    """Validate a decoded JSON value as an event; raise EventValidationError naming the first bad field."""
    if not isinstance(obj, dict):
        raise EventValidationError("$", "must be a JSON object")
    no_extra(obj, ENVELOPE_FIELDS, "")
    event_id = string(obj, "id", "", pattern=ID_RE, max_length=128)
    event_type = string(obj, "type", "", pattern=re.compile(r"[a-z][a-z0-9_]{0,63}"), max_length=64)
    session_id = string(obj, "session_id", "", pattern=ID_RE, max_length=128, allow_empty=True)
    workspace_id = string(obj, "workspace_id", "", pattern=ID_RE, max_length=128, allow_empty=True)
    worker_id = string(obj, "worker_id", "", pattern=ID_RE, max_length=128)
    sequence = integer(obj, "sequence", "")
    epoch = integer(obj, "epoch", "") if "epoch" in obj else 0
    occurred_at = string(obj, "occurred_at", "", max_length=64)
    try:
        when = dt.datetime.fromisoformat(occurred_at)
    except ValueError:
        raise EventValidationError("occurred_at", "must be an ISO 8601 date and time") from None
    if when.tzinfo is None:
        raise EventValidationError("occurred_at", "must carry a time zone")
    data = require(obj, "data", "")
    if not isinstance(data, dict):
        raise EventValidationError("data", "must be a JSON object")
    validator = PAYLOAD_VALIDATORS.get(event_type)
    if validator is not None:
        if event_type != EventType.WORKER_HEARTBEAT and not session_id:
            raise EventValidationError("session_id", "must not be empty")
        data = validator(data, "data.")
    return Event(event_id, event_type, session_id, workspace_id, worker_id, sequence, occurred_at, data, epoch)


def parse_event(body: bytes) -> Event:
    """Decode and validate a raw body. Call only after the signature is verified."""
    if len(body) > MAX_BODY_BYTES:
        raise EventValidationError("$", f"body is larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise EventValidationError("$", "body is not UTF-8") from None
    try:
        obj = json.loads(text)
    except RecursionError:
        raise EventValidationError("$", "body is nested too deeply") from None
    except ValueError as exc:
        raise EventValidationError("$", f"body is not JSON ({exc.msg} at position {exc.pos})") from None
    return validate_event(obj)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def make_event(
    *,
    type: str,
    session_id: str,
    workspace_id: str,
    worker_id: str,
    sequence: int,
    data: Mapping[str, Any],
    epoch: int = 0,
    event_id: str | None = None,
    occurred_at: str | None = None,
) -> Event:
    """Build and validate an event (the sender checks what it sends, as the receiver will)."""
    return validate_event(
        {
            "id": event_id or new_event_id(),
            "type": str(type),
            "session_id": session_id,
            "workspace_id": workspace_id,
            "worker_id": worker_id,
            "epoch": epoch,
            "sequence": sequence,
            "occurred_at": occurred_at or utc_now_iso(),
            "data": dict(data),
        }
    )
