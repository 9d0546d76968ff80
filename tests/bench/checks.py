"""5b. The cost of the webhook's checks: what authenticating each worker by its own key adds to an event.

Side by side, in one run on the bench's stack:
- the CPU time of one signature check (in this process, its thread's CPU clock, median of several rounds): the
  ``v1a`` Ed25519 signature (``shared.identity.verify``, the key parsed from its ``whpk_`` text each call, as the
  backend does) against the ``v1`` HMAC-SHA256 of a shared secret that it replaced (``hmac_verify`` below, written
  here as the reference: the project no longer ships it; the same headers and time window, Standard Webhooks'
  symmetric scheme), for a ``qr_code_generated`` (the commonest event) and a heartbeat of 100 sessions;
- the backend's authentication of a request (``worker_authenticate``: the worker's row looked up by its
  ``x-worker-id``, then its ``v1a`` signature checked with the keys registered there) in a Django process on the
  stack's PostgreSQL (the stack's Django shell, tests/harness/people.py), wall and CPU time per call, and its two
  parts apart. The authorization that follows (the sender holds the session's lease at its epoch) costs no round
  trip of its own on the hot path: it is part of the WHERE of the one UPDATE that applies a QR
  (backend/accounts/services/linking.py);
- the webhook's round trip at 1 and 8 senders, from the ``ingest`` measure of the same run (run it with
  ``python -m tests.bench ingest checks``): the table gives each cost as a share of its p50.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from shared import identity
from shared.events import Event, make_event
from shared.signing import HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Reason, VerificationError, signed_headers
from tests.bench.ingest import qr_event
from tests.bench.stack import BenchStack
from tests.harness.identities import event_headers
from tests.harness.people import run_django

log = logging.getLogger("bench.checks")

ROUNDS = 7  # the median round's figure is kept (and the fastest, beside it)
WORKER_ID = "bench-checks"
HEARTBEAT_SESSIONS = 100

# Times worker_authenticate and its two parts in the stack's Django process: {part: {"wall_ms", "cpu_ms"}}, each
# {"median", "min"} over the rounds, the parts taking turns in each round (the machine's load weighs on each alike).
# The first calls (the connection opened, the statements prepared) are not timed.
_AUTHENTICATE_SCRIPT = """
import statistics, time
from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import worker_authenticate
from shared import identity
headers, body, name = spec["headers"], spec["body"].encode(), spec["worker_id"]
keys = WorkerNode.objects.get(pk=name).keys
parts = {
    "authenticate": lambda: worker_authenticate(headers=headers, content=body),
    "lookup": lambda: WorkerNode.objects.filter(pk=name).first(),
    "verify": lambda: identity.verify(keys, headers, body),
}
walls, cpus = {part: [] for part in parts}, {part: [] for part in parts}
for call in parts.values():
    for _ in range(20):
        call()
for _ in range(spec["rounds"]):
    for part, call in parts.items():
        wall, cpu = time.perf_counter(), time.thread_time()
        for _ in range(spec["calls"]):
            call()
        walls[part].append((time.perf_counter() - wall) * 1000 / spec["calls"])
        cpus[part].append((time.thread_time() - cpu) * 1000 / spec["calls"])
result = {
    part: {
        "wall_ms": {"median": statistics.median(walls[part]), "min": min(walls[part])},
        "cpu_ms": {"median": statistics.median(cpus[part]), "min": min(cpus[part])},
    }
    for part in parts
}
"""


# -- the reference: Standard Webhooks' v1, the HMAC of a shared secret -------------------------------------------


def hmac_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _hmac(secret: str, msg_id: str, timestamp: int, body: bytes) -> bytes:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(base64.b64decode(secret.removeprefix("whsec_")), content, hashlib.sha256).digest()


def hmac_sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    signature = "v1," + base64.b64encode(_hmac(secret, msg_id, timestamp, body)).decode()
    return {HEADER_ID: msg_id, HEADER_TIMESTAMP: str(timestamp), HEADER_SIGNATURE: signature}


def hmac_verify(secrets_: Iterable[str], headers: Mapping[str, str], body: bytes) -> str:
    """The ``webhook-id`` if ``body`` carries a ``v1`` signature by one of the shared secrets (the secret decoded
    from its ``whsec_`` text each call, as ``identity.verify`` parses its keys); VerificationError otherwise."""
    signed = signed_headers(headers, version="v1", size=32)
    for secret in secrets_:
        expected = _hmac(secret, signed.msg_id, signed.timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in signed.signatures):
            return signed.msg_id
    raise VerificationError(Reason.BAD_SIGNATURE, "no signature matches the shared secret")


# -- the bodies ------------------------------------------------------------------------------------------------


def heartbeat_event(worker_id: str, sessions: int) -> Event:
    """A heartbeat reporting ``sessions`` sessions, as a worker sends it."""
    states = {f"wa_{secrets.token_hex(16)}": {"state": "SCAN_QR_CODE", "epoch": 1} for _ in range(sessions)}
    data = {"base_url": "http://127.0.0.1:1", "capacity": 300, "sessions": states}
    return make_event(
        type="worker_heartbeat", session_id="", workspace_id="", worker_id=worker_id, sequence=1, data=data
    )


def cpu_per_call(calls: dict[str, Callable[[], object]], count: int, rounds: int = ROUNDS) -> dict[str, Any]:
    """Microseconds of this thread's CPU per call of each of ``calls``: the median round's and the fastest's (the
    calls take turns in each round, so that the machine's load weighs on each alike)."""
    per_call: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call()
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.thread_time()
            for _ in range(count):
                call()
            per_call[name].append((time.thread_time() - started) * 1e6 / count)
    return {
        name: {"median_us": statistics.median(times), "min_us": min(times), "calls": count * rounds}
        for name, times in per_call.items()
    }


def verify_costs(calls: int) -> dict[str, Any]:
    """Per body: its size, and the CPU time of one check of its ``v1a`` and of its ``v1`` signature."""
    key, secret = identity.new_key_pair(), hmac_secret()
    qr = qr_event(session_id=f"wa_{secrets.token_hex(16)}", workspace_id=1, worker_id=WORKER_ID, sequence=1)
    events = {
        "qr_code_generated": ("a qr_code_generated", qr),
        f"worker_heartbeat_{HEARTBEAT_SESSIONS}": (
            f"a heartbeat of {HEARTBEAT_SESSIONS} sessions",
            heartbeat_event(WORKER_ID, HEARTBEAT_SESSIONS),
        ),
    }
    out: dict[str, Any] = {}
    for name, (what, event) in events.items():
        body = event.to_json()
        signed = event_headers(WORKER_ID, key.private, body, msg_id=event.id)
        shared = hmac_sign(secret, signed[HEADER_ID], int(signed[HEADER_TIMESTAMP]), body)
        assert identity.verify([key.public], signed, body) and hmac_verify([secret], shared, body)
        costs = cpu_per_call(
            {
                "ed25519_v1a": lambda b=body, h=signed: identity.verify([key.public], h, b),
                "hmac_sha256_v1": lambda b=body, h=shared: hmac_verify([secret], h, b),
            },
            calls,
        )
        ratio = costs["ed25519_v1a"]["median_us"] / costs["hmac_sha256_v1"]["median_us"]
        out[name] = {"what": what, "bytes": len(body), **costs, "ratio": ratio}
    return out


async def measure(*, stack: BenchStack, verify_calls: int = 2000, authenticate_calls: int = 300) -> dict[str, Any]:
    verify = await asyncio.to_thread(verify_costs, verify_calls)
    key = await asyncio.to_thread(stack.live.register_identity, WORKER_ID)
    event = qr_event(session_id=f"wa_{secrets.token_hex(16)}", workspace_id=1, worker_id=WORKER_ID, sequence=1)
    body = event.to_json()
    spec = {
        "headers": event_headers(WORKER_ID, key.private, body, msg_id=event.id),
        "body": body.decode(),
        "worker_id": WORKER_ID,
        "calls": authenticate_calls,
        "rounds": ROUNDS,
    }
    authenticate = await asyncio.to_thread(run_django, stack.live, _AUTHENTICATE_SCRIPT, spec)
    for name, costs in verify.items():
        log.info("checks: %s (%d bytes): v1a Ed25519 %.1f µs, v1 HMAC-SHA256 %.1f µs of CPU per check", name,
                 costs["bytes"], costs["ed25519_v1a"]["median_us"], costs["hmac_sha256_v1"]["median_us"])  # fmt: skip
    log.info("checks: worker_authenticate %.3f ms a call (lookup %.3f ms, verify %.3f ms)",
             *(authenticate[part]["wall_ms"]["median"] for part in ("authenticate", "lookup", "verify")))  # fmt: skip
    return {"verify": verify, "authenticate": authenticate, "rounds": ROUNDS}
