"""The names both sides of the contract agree on: event types, a worker's session states, disconnect reasons."""

from __future__ import annotations

import enum


class EventType(enum.StrEnum):
    QR_CODE_GENERATED = "qr_code_generated"
    SESSION_AUTHENTICATED = "session_authenticated"
    SESSION_SYNC_PROGRESS = "session_sync_progress"
    SESSION_READY = "session_ready"
    SESSION_DISCONNECTED = "session_disconnected"
    SESSION_ERROR = "session_error"
    SESSION_BOOTED = "session_booted"  # the page booted clean (its surface as expected): which build it runs
    SESSION_PAGE_CHANGED = "session_page_changed"  # the page booted without the surface the worker needs
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
    """Reasons the worker sends today; receivers accept any REASON_RE string (shared/fields.py)."""

    LOGOUT = "LOGOUT"
    CONFLICT = "CONFLICT"
    UNPAIRED = "UNPAIRED"
    QR_EXPIRED = "QR_EXPIRED"
    BROWSER_CRASHED = "BROWSER_CRASHED"
    STOPPED = "STOPPED"
    CONNECTION_LOST = "CONNECTION_LOST"
    LEASE_EXPIRED = "LEASE_EXPIRED"  # the worker could not renew the session's lease in time and stopped it
    # The session's proxy failed its check before the page opened (shared/proxy.py): it did not answer, or could not
    # reach WhatsApp Web; or it refused the credentials.
    PROXY_UNREACHABLE = "PROXY_UNREACHABLE"
    PROXY_AUTH_FAILED = "PROXY_AUTH_FAILED"
    # WhatsApp Web's page lacks a module or member the worker needs, or one changed its shape
    # (``session_page_changed`` says which): a new session ends; a linked one waits, with backoff, for a build
    # that passes (a pinned one, or a fixed worker).
    PAGE_CHANGED = "PAGE_CHANGED"
