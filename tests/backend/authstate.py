"""Helpers of the auth-state tests: a worker's signed requests to /api/v1/whatsapp/sessions/<id>/auth-state."""

from __future__ import annotations

import gzip
import json

from django.test import Client

from backend.fleet.services.identities import WORKER_HEADER
from shared.identity import sign_request
from tests.backend.testkit import WorkerKey


def storage_state(marker: str = "secret-session-key") -> bytes:
    """A gzip'd storage state as the worker's ``shared`` layout uploads it."""
    state = {
        "cookies": [],
        "origins": [{"origin": "http://127.0.0.1:8002", "localStorage": [{"name": "WAToken", "value": marker}]}],
    }
    return gzip.compress(json.dumps(state).encode(), mtime=0)  # the same bytes in any second


def auth_state_request(
    client: Client, key: WorkerKey, method: str, session_id: str, *, epoch: int | str, body: bytes = b"", **headers: str
):
    """The call as the worker of ``key`` makes it: named, signed with its own key, with the lease epoch."""
    path = f"/api/v1/whatsapp/sessions/{session_id}/auth-state"
    signed = {
        **sign_request(key.private, method, path, body),
        WORKER_HEADER: key.worker_id,
        "x-lease-epoch": str(epoch),
        **headers,
    }
    http = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.items()}
    if method == "PUT":
        return client.put(path, data=body, content_type="application/gzip", **http)
    return client.get(path, **http)


def put_state(key: WorkerKey, session_id: str, body: bytes, *, epoch: int):
    """A worker's upload of ``body`` as the session's state (the ``shared`` layout)."""
    return auth_state_request(
        Client(), key, "PUT", session_id, epoch=epoch, body=body, **{"x-session-layout": "shared"}
    )
