"""Helpers of the backend's tests (imported by the test modules; fixtures are in conftest.py)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from backend.accounts.models import WhatsAppAccount, Workspace
from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import WORKER_HEADER, backend_public_keys
from shared import identity
from shared.events import make_event


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


_phones = itertools.count(491510000001)


def make_account(workspace: Workspace, **fields: Any) -> WhatsAppAccount:
    fields.setdefault("session_id", f"wa_{uuid.uuid4().hex}")
    return WhatsAppAccount.objects.create(workspace=workspace, **fields)


def make_connected(workspace: Workspace, **fields: Any) -> WhatsAppAccount:
    fields.setdefault("phone_number", str(next(_phones)))
    return make_account(workspace, status="connected", connected_at=timezone.now(), **fields)


# --- webhooks ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WorkerKey:
    """A registered worker's name and private key: what it signs its requests with."""

    worker_id: str
    private: str


def register_worker(worker_id: str, **fields: Any) -> WorkerKey:
    """A worker registered (alive, heard from now) with a key pair of its own; its private key for the test."""
    pair = identity.new_key_pair()
    defaults = {"base_url": "http://127.0.0.1:9", "capacity": 10, "last_heartbeat_at": timezone.now(), "is_alive": True}
    WorkerNode.objects.update_or_create(id=worker_id, defaults={**defaults, **fields, "public_keys": pair.public})
    return WorkerKey(worker_id, pair.private)


def key_for(worker_id: str) -> WorkerKey:
    """A new key for a worker registered already (nothing else of it changes)."""
    pair = identity.new_key_pair()
    WorkerNode.objects.filter(pk=worker_id).update(public_keys=pair.public)
    return WorkerKey(worker_id, pair.private)


def signed_headers(key: WorkerKey, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Django test client headers: the worker's name and its v1a signature over ``body``."""
    headers = {**identity.sign(key.private, event_id, timestamp, body), WORKER_HEADER: key.worker_id}
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


class Sender:
    """Signs and posts events as the worker of ``key`` does; counts sequences per session. An event of an account
    carries the account's lease epoch (as loaded) unless the test gives one (``epoch=``); an account on no worker is
    given to this one first (the lease Connect would have granted it)."""

    def __init__(self, client: Client, key: WorkerKey) -> None:
        self.client = client
        self.key = key
        self.sequences: dict[str, int] = {}

    def event(self, type: str, account: WhatsAppAccount | None = None, *, data: dict | None = None, **kw: Any):
        session_id = kw.pop("session_id", account.session_id if account else "")
        sequence = kw.pop("sequence", None)
        if sequence is None:
            sequence = self.sequences.get(session_id, 0) + 1
        self.sequences[session_id] = max(sequence, self.sequences.get(session_id, 0))
        kw.setdefault("epoch", account.lease_epoch if account else 0)
        if account is not None and account.worker_id is None:
            WhatsAppAccount.objects.filter(pk=account.pk).update(worker_id=self.key.worker_id)
            account.worker_id = self.key.worker_id
        return make_event(
            type=type,
            session_id=session_id,
            workspace_id=kw.pop("workspace_id", str(account.workspace_id) if account else ""),
            worker_id=kw.pop("worker_id", self.key.worker_id),
            sequence=sequence,
            data=data or {},
            **kw,
        )

    def post_raw(
        self,
        body: bytes,
        *,
        event_id: str = "evt_raw",
        timestamp: int | None = None,
        signed_body: bytes | None = None,
        **extra: str,
    ):
        when = int(time.time()) if timestamp is None else timestamp
        http_headers = signed_headers(self.key, event_id, when, body if signed_body is None else signed_body)
        return self.client.post(
            "/api/v1/whatsapp/webhook", data=body, content_type="application/json", **http_headers, **extra
        )

    def post(self, event, **extra: str):
        return self.post_raw(event.to_json(), event_id=event.id, **extra)

    def send_status(self, type: str, account: WhatsAppAccount | None = None, **kw: Any) -> int:
        return self.post(self.event(type, account, **kw)).status_code

    def send(self, type: str, account: WhatsAppAccount | None = None, *, data: dict | None = None, **kw: Any):
        response = self.post(self.event(type, account, data=data, **kw))
        assert response.status_code == 200, response.content
        return response.json()


def qr_data(n: int = 1) -> dict:
    return {"qr": f"2@ref{n},noiseKey,identityKey,advSecret,1", "qr_count": n, "expires_in": 60}


def ready_data(phone: str, pushname: str = "Olivia") -> dict:
    return {"phone_number": phone, "pushname": pushname, "platform": "android", "extraction_ms": 120}


# --- a stand-in session worker, over real HTTP ---------------------------------------------------------


def _verifies(headers: dict, content: bytes) -> bool:
    try:
        identity.verify(backend_public_keys(), headers, content)
    except Exception:
        return False
    return True


class StandInWorker:
    """Speaks the worker API of docs/contracts.md: verifies every signature, records every call."""

    def __init__(self, worker_id: str = "worker-1") -> None:
        # The names the backend's commands may be signed for: the workers this one address plays (a test adds one).
        self.names = {worker_id}
        self.calls: list[tuple[str, str, dict | None]] = []
        self.sessions: dict[str, str] = {}
        self.fail_next: list[int] = []  # statuses to answer before behaving
        self.full = False  # a 503 in fail_next then says error "capacity"
        self.lock = threading.Lock()
        worker = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                try:
                    signed_for = [
                        identity.command_content(name, self.command, self.path, body) for name in sorted(worker.names)
                    ]
                    if not any(_verifies(dict(self.headers), content) for content in signed_for):
                        raise ValueError("not signed by the backend for this worker")
                except Exception as exc:
                    return self._answer(401, {"error": "bad signature", "detail": str(exc)})
                payload = json.loads(body) if body else None
                with worker.lock:
                    worker.calls.append((self.command, self.path, payload))
                    if worker.fail_next:
                        status = worker.fail_next.pop(0)
                        code = "capacity" if status == 503 and worker.full else "planned_failure"
                        return self._answer(status, {"error": code, "detail": "a failure the test planned"})
                    return self._answer(*worker.route(self.command, self.path, payload))

            do_GET = do_POST = do_DELETE = _handle

            def _answer(self, status: int, payload: dict) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, method: str, path: str, payload: dict | None) -> tuple[int, dict]:
        parts = path.split("?")[0].strip("/").split("/")
        if method == "POST" and parts == ["sessions"]:
            new = payload["session_id"] not in self.sessions
            self.sessions.setdefault(payload["session_id"], "STARTING")
            return (201 if new else 200), {"session_id": payload["session_id"], "state": "STARTING"}
        if method == "GET" and parts == ["sessions"]:
            return 200, {"sessions": [{"session_id": s, "state": st} for s, st in self.sessions.items()]}
        if len(parts) >= 2 and parts[1] not in self.sessions:
            return 404, {"error": "unknown_session", "detail": "no such session on this worker"}
        if method == "DELETE" and len(parts) == 2:
            self.sessions[parts[1]] = "STOPPED"
            return 200, {"session_id": parts[1], "state": "STOPPED"}
        if method == "POST" and len(parts) == 3 and parts[2] == "logout":
            self.sessions.pop(parts[1])
            return 200, {"session_id": parts[1], "state": "STOPPED"}
        if method == "POST" and len(parts) == 3 and parts[2] == "pairing-code":
            return 200, {"code": "K7QW2M9X"}
        if method == "POST" and len(parts) == 3 and parts[2] == "release":
            self.sessions.pop(parts[1])
            return 200, {"session_id": parts[1], "state": "STOPPED"}
        return 404, {"error": "no route"}

    def calls_to(self, method: str, prefix: str) -> list[tuple[str, str, dict | None]]:
        return [c for c in self.calls if c[0] == method and c[1].startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_threads(count: int, target: Callable[[int], Any]) -> list[BaseException]:
    """Run ``target(i)`` in ``count`` threads released together; return the exceptions raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
