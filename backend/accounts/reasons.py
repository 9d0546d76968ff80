"""The reasons the backend itself gives a status change; the worker's are ``shared.names.DisconnectReason`` and the
``session_error`` reasons, stored as sent."""

from __future__ import annotations

import enum

from shared.events import SessionState


class StatusReason(enum.StrEnum):
    """The reasons the backend itself gives a status change (``status_reason``, the timeline's ``reason``).

    The worker's reasons are ``shared.events.DisconnectReason`` and the ``session_error`` reasons, stored as
    sent. The settings page shows a message per reason (backend/web/static/web/js/qr_panel.js), so a new
    reason needs one there too; the worker never sees these, hence they live here and not in ``shared``.
    """

    CREATED = "CREATED"  # Connect WhatsApp
    RECONNECT = "RECONNECT"  # a new session for an account that was not linked
    USER_LOGOUT = "USER_LOGOUT"  # logged out from the page or the API
    USER = "USER"  # deleted by a user (the timeline says DELETED:USER)
    REPLACED = "REPLACED"  # a newer session linked the same phone number (DELETED:REPLACED)
    WORKER_LOST = "WORKER_LOST"  # the worker stopped sending heartbeats and no other could take the session
    MOVING = "MOVING"  # the timeline's row of a move to another worker (failover or drain)
    WORKER_UNREACHABLE = "WORKER_UNREACHABLE"  # the start command never reached the worker
    CANCELLED = "CANCELLED"  # the Connect dialog was closed before the scan (DELETED:CANCELLED if never linked)
    RESTORE = "RESTORE"  # authenticated again from its kept login (a restart, a move): reconnecting, no scan

    @staticmethod
    def deleted(why: str) -> str:
        """The timeline's reason of a soft delete."""
        return f"{DELETED_PREFIX}{why}"

    @staticmethod
    def worker_reported(state: SessionState) -> str:
        """Reconciliation found the worker's session in ``state`` (not running): WORKER_STOPPED, ..."""
        return f"WORKER_{state}"


DELETED_PREFIX = "DELETED:"
