"""The event envelope and the payload of each event type, with validation that names the bad field.

Envelope (JSON object)::

    {"id", "type", "session_id", "workspace_id", "worker_id", "epoch", "sequence", "occurred_at", "data"}

``id`` is also the ``webhook-id`` header and stays the same across retries. ``epoch`` is the session's lease
epoch on the sending worker (the fencing token, docs/design.md "Many workers"; missing means 0, a session with
no lease). ``sequence`` grows per session on the worker and survives worker restarts; the backend orders a
session's events by ``(epoch, sequence)``. Unknown types pass envelope validation with their ``data``
unchecked (``Event.known`` is False) so that either side can be upgraded first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

MAX_BODY_BYTES = 256 * 1024
QR_PARTS = 5
# A phone number: E.164 digits without "+". The one definition for the backend and the worker (the simulator
# keeps its own copy in simulator/codes.py: it imports nothing of the others, by design).
PHONE_RE = re.compile(r"^[1-9][0-9]{6,14}$")
REASON_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class EventType(enum.StrEnum):
    QR_CODE_GENERATED = "qr_code_generated"
    SESSION_AUTHENTICATED = "session_authenticated"
    SESSION_SYNC_PROGRESS = "session_sync_progress"
    SESSION_READY = "session_ready"
    SESSION_DISCONNECTED = "session_disconnected"
    SESSION_ERROR = "session_error"
    WORKER_HEARTBEAT = "worker_heartbeat"


class SessionState(enum.StrEnum):
    """A worker's session states."""

    STARTING = "STARTING"
    SCAN_QR_CODE = "SCAN_QR_CODE"
    AUTHENTICATED = "AUTHENTICATED"
    READY = "READY"
    DISCONNECTED = "DISCONNECTED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"


class DisconnectReason(enum.StrEnum):
    """Reasons the worker sends today; receivers accept any REASON_RE string."""

    LOGOUT = "LOGOUT"
    CONFLICT = "CONFLICT"
    UNPAIRED = "UNPAIRED"
    QR_EXPIRED = "QR_EXPIRED"
    BROWSER_CRASHED = "BROWSER_CRASHED"
    STOPPED = "STOPPED"
    CONNECTION_LOST = "CONNECTION_LOST"
    LEASE_EXPIRED = "LEASE_EXPIRED"  # the worker could not renew the session's lease in time and stopped it


class EventValidationError(ValueError):
    """``field`` is a dotted path into the envelope (``data.phone_number``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def _require(obj: Mapping[str, Any], key: str, prefix: str) -> Any:
    if key not in obj:
        raise EventValidationError(prefix + key, "is required")
    return obj[key]


def _string(obj, key, prefix, *, pattern: re.Pattern | None = None, max_length=1024, allow_empty=False) -> str:
    value = _require(obj, key, prefix)
    if not isinstance(value, str):
        raise EventValidationError(prefix + key, "must be a string")
    if not value and not allow_empty:
        raise EventValidationError(prefix + key, "must not be empty")
    if len(value) > max_length:
        raise EventValidationError(prefix + key, f"must be at most {max_length} characters")
    if value and pattern is not None and not pattern.match(value):
        raise EventValidationError(prefix + key, f"must match {pattern.pattern}")
    return value


def _integer(obj, key, prefix, *, minimum=0, maximum=2**63 - 1) -> int:
    value = _require(obj, key, prefix)
    if not isinstance(value, int) or isinstance(value, bool):
        raise EventValidationError(prefix + key, "must be an integer")
    if not minimum <= value <= maximum:
        raise EventValidationError(prefix + key, f"must be between {minimum} and {maximum}")
    return value


def _no_extra(obj: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise EventValidationError(prefix + extra[0], "is not a known field")


def _qr_code_generated(data, p):
    qr = _string(data, "qr", p, max_length=2048)
    parts = qr.split(",")
    if len(parts) != QR_PARTS or not all(parts) or parts[0] in ("null", "undefined"):
        raise EventValidationError(p + "qr", "must be ref,noiseKey,identityKey,advSecret,platform")
    return {
        "qr": qr,
        "qr_count": _integer(data, "qr_count", p, minimum=1, maximum=1000),
        "expires_in": _integer(data, "expires_in", p, minimum=0, maximum=3600),
    }


def _session_authenticated(data, p):
    _no_extra(data, set(), p)
    return {}


def _session_sync_progress(data, p):
    _no_extra(data, {"percent"}, p)
    return {"percent": _integer(data, "percent", p, maximum=100)}


def _session_ready(data, p):
    return {
        "phone_number": _string(data, "phone_number", p, pattern=PHONE_RE, max_length=15),
        "pushname": _string(data, "pushname", p, max_length=256, allow_empty=True),
        "platform": _string(data, "platform", p, max_length=64, allow_empty=True),
        "extraction_ms": _integer(data, "extraction_ms", p, maximum=3_600_000),
    }


def _session_disconnected(data, p):
    return {"reason": _string(data, "reason", p, pattern=REASON_RE, max_length=64)}


def _session_error(data, p):
    return {
        "reason": _string(data, "reason", p, pattern=REASON_RE, max_length=64),
        "detail": _string(data, "detail", p, max_length=4000, allow_empty=True),
    }


def _reported_session(report: Any, prefix: str) -> dict[str, Any]:
    """One session of a heartbeat: ``{"state", "epoch"}``; a bare state (an older worker) is epoch 0."""
    states = sorted(s.value for s in SessionState)
    if isinstance(report, str):
        if report not in states:
            raise EventValidationError(prefix, f"must be one of {states}")
        return {"state": report, "epoch": 0}
    if not isinstance(report, dict):
        raise EventValidationError(prefix, 'must be {"state": ..., "epoch": ...}')
    _no_extra(report, {"state", "epoch"}, prefix + ".")
    state = _string(report, "state", prefix + ".", max_length=32)
    if state not in states:
        raise EventValidationError(prefix + ".state", f"must be one of {states}")
    return {"state": state, "epoch": _integer(report, "epoch", prefix + ".")}


def _worker_heartbeat(data, p):
    base_url = _string(data, "base_url", p, max_length=512)
    if not base_url.startswith(("http://", "https://")):
        raise EventValidationError(p + "base_url", "must be an http(s) URL")
    sessions = _require(data, "sessions", p)
    if not isinstance(sessions, dict):
        raise EventValidationError(p + "sessions", "must be an object of session id -> state")
    reported = {}
    for session_id, report in sessions.items():
        if not ID_RE.match(session_id):
            raise EventValidationError(f"{p}sessions.{session_id[:40]}", "is not a valid session id")
        reported[session_id] = _reported_session(report, f"{p}sessions.{session_id}")
    return {
        "base_url": base_url,
        "capacity": _integer(data, "capacity", p, maximum=100_000),
        "sessions": reported,
    }


PAYLOAD_VALIDATORS: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
    EventType.QR_CODE_GENERATED: _qr_code_generated,
    EventType.SESSION_AUTHENTICATED: _session_authenticated,
    EventType.SESSION_SYNC_PROGRESS: _session_sync_progress,
    EventType.SESSION_READY: _session_ready,
    EventType.SESSION_DISCONNECTED: _session_disconnected,
    EventType.SESSION_ERROR: _session_error,
    EventType.WORKER_HEARTBEAT: _worker_heartbeat,
}

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
    _no_extra(obj, ENVELOPE_FIELDS, "")
    event_id = _string(obj, "id", "", pattern=ID_RE, max_length=128)
    event_type = _string(obj, "type", "", pattern=re.compile(r"^[a-z][a-z0-9_]{0,63}$"), max_length=64)
    session_id = _string(obj, "session_id", "", pattern=ID_RE, max_length=128, allow_empty=True)
    workspace_id = _string(obj, "workspace_id", "", pattern=ID_RE, max_length=128, allow_empty=True)
    worker_id = _string(obj, "worker_id", "", pattern=ID_RE, max_length=128)
    sequence = _integer(obj, "sequence", "")
    epoch = _integer(obj, "epoch", "") if "epoch" in obj else 0
    occurred_at = _string(obj, "occurred_at", "", max_length=64)
    try:
        when = dt.datetime.fromisoformat(occurred_at)
    except ValueError:
        raise EventValidationError("occurred_at", "must be an ISO 8601 date and time") from None
    if when.tzinfo is None:
        raise EventValidationError("occurred_at", "must carry a time zone")
    data = _require(obj, "data", "")
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
