"""Signing as the live stack's parts do: a worker's requests to the backend (``x-worker-id`` and a ``v1a``
signature by its key: over the raw body for events, over method, path and body for its auth-state calls) and the
backend's commands to a worker (signed with the backend's command key, bound to the worker they are for)."""

from __future__ import annotations

import time

from shared import identity
from shared.signing import new_message_id

WORKER_HEADER = "x-worker-id"


def event_headers(
    worker_id: str, private_key: str | list[str], body: bytes, *, msg_id: str = "", timestamp: int | None = None
) -> dict[str, str]:
    """The headers of an event or heartbeat ``body`` sent by ``worker_id``, signed with ``private_key``."""
    when = int(time.time()) if timestamp is None else timestamp
    signed = identity.sign(private_key, msg_id or new_message_id(), when, body)
    return {"Content-Type": "application/json", WORKER_HEADER: worker_id, **signed}


def request_headers(worker_id: str, private_key: str, method: str, path: str, body: bytes = b"") -> dict[str, str]:
    """The headers of a worker's call to the backend's API (its sessions' auth states)."""
    return {WORKER_HEADER: worker_id, **identity.sign_request(private_key, method, path, body)}


def command_headers(backend_key: str, worker_id: str, method: str, path: str, body: bytes = b"") -> dict[str, str]:
    """The headers of the backend's command ``method path`` to ``worker_id``."""
    return identity.sign_command(backend_key, worker_id, method, path, body)
