"""The worker API's error: what a request about a session cannot get, and why."""

from __future__ import annotations

import re

SESSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
WORKSPACE_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


class SessionError(Exception):
    """A request about a session that cannot be served, answered ``status`` with
    ``{"error": code, "detail": message}`` (``code`` a short machine code, docs/contracts.md)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


def check_ids(session_id: str, workspace_id: str) -> None:
    """A start's ids must be safe to use (a session id names a folder); SessionError 400 otherwise."""
    if not SESSION_ID_RE.fullmatch(session_id):
        raise SessionError(400, "invalid_session_id", "session_id must be 1 to 128 of A-Z a-z 0-9 _ -")
    if not WORKSPACE_ID_RE.fullmatch(workspace_id):
        raise SessionError(400, "invalid_workspace_id", "workspace_id must be 1 to 128 of A-Z a-z 0-9 _ . : -")


class WorkerStopping(Exception):
    """A planned stop is under way: nothing more is reported (raised instead of writing an event)."""
