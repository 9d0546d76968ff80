"""The worker API's error: what a request about a session cannot get, and why."""

from __future__ import annotations


class SessionError(Exception):
    """A request about a session that cannot be served, answered ``status`` with
    ``{"error": code, "detail": message}`` (``code`` a short machine code, docs/contracts.md)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


class WorkerStopping(Exception):
    """A planned stop is under way: nothing more is reported (raised instead of writing an event)."""
