"""Commands to a session's worker, queued once the current transaction commits: the one door from the services
to the Celery tasks (backend/fleet/tasks.py), which they name, never import (the tasks import the services).

Each command is a task that retries with backoff; the task checks again that the command is still wanted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.celery import app

SESSION_START = "session_start"
SESSION_STOP = "session_stop"
SESSION_LOGOUT = "session_logout"
WORKER_DRAIN = "worker_drain"


def send(task: str, **kwargs: Any) -> None:
    """Queue the task ``task`` (its registered name) with ``kwargs``, now."""
    app.signature(task, kwargs=kwargs).apply_async()


def send_after_commit(task: str, **kwargs: Any) -> None:
    """Queue the task once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: send(task, **kwargs), robust=True)


def session_start_after_commit(*, account_id: int, session_id: str, epoch: int) -> None:
    """Ask the account's worker to run its session under lease ``epoch`` (the task checks again that it should;
    the worker's next heartbeat answer lists the lease anyway)."""
    send_after_commit(SESSION_START, account_id=account_id, session_id=session_id, epoch=epoch)


def session_stop_after_commit(*, worker_id: str | None, session_id: str, epoch: int) -> None:
    """Stop the session of lease ``epoch`` on its worker (its auth is kept there); nothing when no worker was
    assigned. A worker that runs the session under a newer lease refuses it."""
    if worker_id:
        send_after_commit(SESSION_STOP, worker_id=worker_id, session_id=session_id, epoch=epoch)


def session_logout_after_commit(*, worker_id: str | None, session_id: str, epoch: int) -> None:
    """Log the session of lease ``epoch`` out on WhatsApp and wipe its auth on its worker; nothing when no
    worker was assigned."""
    if worker_id:
        send_after_commit(SESSION_LOGOUT, worker_id=worker_id, session_id=session_id, epoch=epoch)
