"""The audit log: every request a known worker made that was refused for not being its to make (another worker's
session, another worker's name, a revoked or unknown key). One line each, naming the worker, on the logger
``backend.audit`` (docs/security.md): what an operator reads to find a compromised worker."""

from __future__ import annotations

import logging

log = logging.getLogger("backend.audit")


def refused(*, worker_id: str, what: str, why: str, session_id: str = "") -> None:
    session = f" for session {session_id}" if session_id else ""
    log.warning("audit: worker %s refused: %s%s: %s", worker_id or "(unnamed)", what, session, why)
