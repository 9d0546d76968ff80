"""This worker's identity towards the backend, and what it makes of the backend's refusals of it.

Every request the worker sends (events, heartbeats, auth states) names it (``x-worker-id: WORKER_ID``) and carries
Standard Webhooks headers with ``v1a`` signatures by WORKER_SIGNING_KEY (``shared.identity``): events and
heartbeats over the raw body, auth-state calls over method, path and body (``request_content``).

A 401 from the backend (a bad or missing signature, a worker it does not know or has revoked, a timestamp out of
its window) is not the end of anything: what was refused is kept and sent again, and :class:`BackendStatus` says
why in the log and in ``/health`` (not ready) until a request is accepted again, with the clock skew when the
answer shows one (its ``server_time``, else its ``Date`` header).
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from session_worker.settings import Settings
from shared import identity

log = logging.getLogger("session_worker.backend")

WORKER_HEADER = "x-worker-id"
FENCING = frozenset(
    {(409, "stale_epoch"), (403, "not_lease_holder"), (403, "worker_mismatch"), (403, "workspace_mismatch")}
)
# A skew below this is the answer's own rounding and travel time, not a clock to fix.
SKEW_NOTED_S = 3
HINTS = {
    "unknown worker": "register this worker on the backend with its public key (docs/operations.md)",
    "revoked worker": "this worker was revoked by an operator: it needs a new registration",
    "bad signature": "WORKER_SIGNING_KEY is not a key the backend holds for this WORKER_ID",
    "missing header": "a proxy between this worker and the backend drops the signature's headers",
}


def event_headers(settings: Settings, event_id: str, body: bytes) -> dict[str, str]:
    """The headers of an event or a heartbeat: signed over the raw body, ``webhook-id`` the event's id."""
    signed = identity.sign(settings.signing_keys, event_id, int(time.time()), body)
    return {**signed, WORKER_HEADER: settings.worker_id, "content-type": "application/json"}


def request_headers(settings: Settings, method: str, path: str, body: bytes = b"") -> dict[str, str]:
    """The headers of a call to the backend's API (``path`` with its query): method, path and body signed."""
    return {**identity.sign_request(settings.signing_keys, method, path, body), WORKER_HEADER: settings.worker_id}


async def read_at_most(content: aiohttp.StreamReader, limit: int) -> bytes:
    """The body, or its first ``limit`` + 1 bytes when it is longer (the caller refuses it): never all of it."""
    chunks, size = [], 0
    async for chunk in content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)[: limit + 1]


def fences(status: int, body: bytes) -> bool:
    """Whether an answer says the session's lease is not this worker's (any more): 409 ``stale_epoch``, 403
    ``not_lease_holder``, ``worker_mismatch`` or ``workspace_mismatch``. Final for what was refused."""
    return (status, error_code(body)) in FENCING


def error_code(body: bytes) -> str:
    """The ``error`` of a JSON error answer, or "" when it has none."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return ""
    code = data.get("error") if isinstance(data, dict) else None
    return code if isinstance(code, str) else ""


def clock_skew_s(body: bytes, headers: Mapping[str, str], *, local_time: float) -> int | None:
    """How far the backend's clock is ahead of this worker's (negative: behind), from the answer's ``server_time``
    (Unix seconds) or else its ``Date`` header; None when it shows neither."""
    server_time: float | None = None
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        data = None
    value = data.get("server_time") if isinstance(data, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        server_time = float(value)
    elif headers.get("Date"):
        try:
            server_time = email.utils.parsedate_to_datetime(headers["Date"]).timestamp()
        except (TypeError, ValueError):
            server_time = None
    return None if server_time is None else round(server_time - local_time)


def skew_sentence(skew_s: int | None) -> str:
    if skew_s is None or abs(skew_s) < SKEW_NOTED_S:
        return ""
    side = "ahead of" if skew_s > 0 else "behind"
    return f"the backend's clock is {abs(skew_s)} s {side} this worker's: fix the clock (NTP)"


@dataclasses.dataclass(frozen=True)
class Refusal:
    """The backend's last refusal of this worker (a 401)."""

    what: str  # "webhook", "heartbeat", "auth state"
    status: int
    error: str
    detail: str
    clock_skew_s: int | None
    since: float  # Unix time of the first refusal in a row

    @property
    def cause(self) -> str:
        """What an operator reads: why the backend refuses this worker, and what to do."""
        said = f"{self.error}: {self.detail}" if self.detail else self.error or "no reason given"
        advice = skew_sentence(self.clock_skew_s) or HINTS.get(self.error, "")
        text = f"the backend refuses this worker's requests ({self.status} {said})"
        return f"{text}; {advice}" if advice else text


class BackendStatus:
    """Whether the backend accepts this worker's requests now; ``refusal`` is None while it does."""

    def __init__(self) -> None:
        self.refusal: Refusal | None = None

    def refused(self, *, what: str, status: int, body: bytes, headers: Mapping[str, str], local_time: float) -> None:
        """The backend answered ``status`` (401) to a request; ``local_time``: this worker's clock then."""
        error, detail = error_code(body), ""
        try:
            data = json.loads(body or b"{}")
            detail = str(data.get("detail", ""))[:300] if isinstance(data, dict) else ""
        except (ValueError, RecursionError):
            detail = body[:300].decode(errors="replace")
        skew = clock_skew_s(body, headers, local_time=local_time)
        previous = self.refusal
        since = previous.since if previous is not None else time.time()
        self.refusal = Refusal(what, status, error, detail, skew, since)
        changed = previous is None or (previous.error, previous.clock_skew_s) != (error, skew)
        extra: dict[str, Any] = {"what": what, "status": status, "error": error, "clock_skew_s": skew}
        (log.error if changed else log.warning)(self.refusal.cause, extra=extra)

    def accepted(self) -> None:
        """A request was accepted: the backend knows this worker again."""
        if self.refusal is not None:
            log.warning("the backend accepts this worker's requests again", extra={"was": self.refusal.error})
            self.refusal = None

    def health(self) -> dict[str, Any] | None:
        refusal = self.refusal
        if refusal is None:
            return None
        return {**dataclasses.asdict(refusal), "cause": refusal.cause}
