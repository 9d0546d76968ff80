"""The ``data`` of each known event type, validated (``PAYLOAD_VALIDATORS``: type -> validator of its data).

Each validator takes the decoded ``data`` object and the prefix of its fields' names (``"data."``) and returns
the data to keep, or raises :class:`shared.fields.EventValidationError` naming the first bad field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from shared.fields import ID_RE, PHONE_RE, REASON_RE, EventValidationError, integer, no_extra, require, string
from shared.names import EventType, SessionState

QR_PARTS = 5
MEMBER_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*")  # a module, or a member path in it


def _qr_code_generated(data, p):
    qr = string(data, "qr", p, max_length=2048)
    parts = qr.split(",")
    if len(parts) != QR_PARTS or not all(parts) or parts[0] in ("null", "undefined"):
        raise EventValidationError(p + "qr", "must be ref,noiseKey,identityKey,advSecret,platform")
    return {
        "qr": qr,
        "qr_count": integer(data, "qr_count", p, minimum=1, maximum=1000),
        "expires_in": integer(data, "expires_in", p, minimum=0, maximum=3600),
    }


def _session_authenticated(data, p):
    no_extra(data, set(), p)
    return {}


def _session_sync_progress(data, p):
    no_extra(data, {"percent"}, p)
    return {"percent": integer(data, "percent", p, maximum=100)}


def _session_ready(data, p):
    return {
        "phone_number": string(data, "phone_number", p, pattern=PHONE_RE, max_length=15),
        "pushname": string(data, "pushname", p, max_length=256, allow_empty=True),
        "platform": string(data, "platform", p, max_length=64, allow_empty=True),
        "extraction_ms": integer(data, "extraction_ms", p, maximum=3_600_000),
    }


def _session_disconnected(data, p):
    return {"reason": string(data, "reason", p, pattern=REASON_RE, max_length=64)}


def _session_error(data, p):
    return {
        "reason": string(data, "reason", p, pattern=REASON_RE, max_length=64),
        "detail": string(data, "detail", p, max_length=4000, allow_empty=True),
    }


BUILD_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")  # WhatsApp Web's build, its ``Debug.VERSION``
MAX_CHANGES = 100
# What a member of the page's surface is (session_worker/whatsapp_web.py SURFACE) and what a check found.
SHAPES = frozenset({"value", "object", "function", "sync function", "async function"})
FOUND = SHAPES | {"missing", "missing module", "threw"}


def _session_booted(data, p):
    no_extra(data, {"build"}, p)
    return {"build": string(data, "build", p, pattern=BUILD_RE, max_length=64)}


def _page_change(change: Any, prefix: str) -> dict[str, str]:
    if not isinstance(change, dict):
        raise EventValidationError(prefix, 'must be {"module", "member", "expected", "found"}')
    no_extra(change, {"module", "member", "expected", "found"}, prefix + ".")
    expected = string(change, "expected", prefix + ".", max_length=32)
    found = string(change, "found", prefix + ".", max_length=32)
    if expected not in SHAPES:
        raise EventValidationError(prefix + ".expected", f"must be one of {sorted(SHAPES)}")
    if found not in FOUND:
        raise EventValidationError(prefix + ".found", f"must be one of {sorted(FOUND)}")
    return {
        "module": string(change, "module", prefix + ".", pattern=MEMBER_RE, max_length=128),
        "member": string(change, "member", prefix + ".", pattern=MEMBER_RE, max_length=128, allow_empty=True),
        "expected": expected,
        "found": found,
    }


def _session_page_changed(data, p):
    no_extra(data, {"build", "changes"}, p)
    changes = require(data, "changes", p)
    if not isinstance(changes, list) or not 0 < len(changes) <= MAX_CHANGES:
        raise EventValidationError(p + "changes", f"must be a list of 1 to {MAX_CHANGES} changes")
    return {
        "build": string(data, "build", p, pattern=BUILD_RE, max_length=64),
        "changes": [_page_change(change, f"{p}changes.{n}") for n, change in enumerate(changes)],
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
    no_extra(report, {"state", "epoch"}, prefix + ".")
    state = string(report, "state", prefix + ".", max_length=32)
    if state not in states:
        raise EventValidationError(prefix + ".state", f"must be one of {states}")
    return {"state": state, "epoch": integer(report, "epoch", prefix + ".")}


def _worker_heartbeat(data, p):
    base_url = string(data, "base_url", p, max_length=512)
    if not base_url.startswith(("http://", "https://")):
        raise EventValidationError(p + "base_url", "must be an http(s) URL")
    sessions = require(data, "sessions", p)
    if not isinstance(sessions, dict):
        raise EventValidationError(p + "sessions", "must be an object of session id -> state")
    reported = {}
    for session_id, report in sessions.items():
        if not ID_RE.fullmatch(session_id):
            raise EventValidationError(f"{p}sessions.{session_id[:40]}", "is not a valid session id")
        reported[session_id] = _reported_session(report, f"{p}sessions.{session_id}")
    return {
        "base_url": base_url,
        "capacity": integer(data, "capacity", p, maximum=100_000),
        "sessions": reported,
    }


PAYLOAD_VALIDATORS: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
    EventType.QR_CODE_GENERATED: _qr_code_generated,
    EventType.SESSION_AUTHENTICATED: _session_authenticated,
    EventType.SESSION_SYNC_PROGRESS: _session_sync_progress,
    EventType.SESSION_READY: _session_ready,
    EventType.SESSION_DISCONNECTED: _session_disconnected,
    EventType.SESSION_ERROR: _session_error,
    EventType.SESSION_BOOTED: _session_booted,
    EventType.SESSION_PAGE_CHANGED: _session_page_changed,
    EventType.WORKER_HEARTBEAT: _worker_heartbeat,
}
