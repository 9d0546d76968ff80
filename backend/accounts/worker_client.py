"""Signed calls to a session worker's API (docs/contracts.md, "Worker API"), with the standard library."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings

from shared.signing import sign_request

log = logging.getLogger(__name__)


class WorkerError(Exception):
    """The worker answered with an error. ``retryable`` for connection failures and 5xx answers."""

    def __init__(self, message: str, *, status: int | None = None, reason: str = "", retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.retryable = retryable


class WorkerClient:
    def __init__(self, base_url: str, *, secrets: list[str] | None = None, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.secrets = secrets or settings.WHATSAPP_HMAC_SECRETS
        self.timeout = timeout or settings.WORKER_REQUEST_TIMEOUT_S
        self._prefix = urlsplit(self.base_url).path

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> tuple[int, Any]:
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        headers = sign_request(self.secrets, method, self._prefix + path, body)
        if payload is not None:
            headers["content-type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 (the base URL is an http(s) URL from a heartbeat)
            self.base_url + path, data=body if payload is not None else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read() or b"{}")
            except ValueError:
                answer = {}
            reason = answer.get("reason", "") if isinstance(answer, dict) else ""
            raise WorkerError(
                f"{method} {path}: {exc.code} {answer.get('error', '') if isinstance(answer, dict) else ''}",
                status=exc.code,
                reason=reason,
                retryable=exc.code >= 500 or exc.code == 429,
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise WorkerError(f"{method} {path}: {exc}", retryable=True) from None

    def start_session(self, *, session_id: str, workspace_id: int | str) -> dict[str, Any]:
        _, view = self._call("POST", "/sessions", {"session_id": session_id, "workspace_id": str(workspace_id)})
        return view

    def stop_session(self, *, session_id: str) -> dict[str, Any] | None:
        """Stop a session (auth kept); None if the worker does not know it."""
        return self._maybe("DELETE", f"/sessions/{quote(session_id)}")

    def logout_session(self, *, session_id: str) -> dict[str, Any] | None:
        """Log a session out on WhatsApp and wipe its auth; None if the worker does not know it."""
        return self._maybe("POST", f"/sessions/{quote(session_id)}/logout", {})

    def request_pairing_code(self, *, session_id: str, phone_number: str) -> str:
        """An 8-character code the phone enters instead of scanning the QR (WhatsApp's "link with phone")."""
        _, answer = self._call("POST", f"/sessions/{quote(session_id)}/pairing-code", {"phone_number": phone_number})
        return str(answer["code"])

    def list_sessions(self) -> list[dict[str, Any]]:
        _, answer = self._call("GET", "/sessions")
        return list(answer.get("sessions", []))

    def _maybe(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any] | None:
        try:
            return self._call(method, path, payload)[1]
        except WorkerError as exc:
            if exc.status == 404:
                return None
            raise
