"""``worker_heartbeat``: at start (then every second until the backend answers one) and every
HEARTBEAT_INTERVAL_S, sent directly (a stale heartbeat is worthless, so it does not queue in the outbox); the next
one follows anyway. Its answer lists the leases this worker holds: session_worker/lease_keeper.py makes what runs
here match it (session_worker/leases.py decides how)."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp

from session_worker.backend_auth import event_headers, read_at_most
from session_worker.lease_keeper import LeaseKeeper
from session_worker.manager import SessionManager
from session_worker.store import HEARTBEAT_KEY
from shared.events import EventType, make_event

log = logging.getLogger("session_worker.heartbeat")

MAX_ANSWER_BYTES = 16 * 1024 * 1024  # the leases of every session a worker may hold, with room to spare
FIRST_ANSWER_RETRY_S = 1.0


async def send_heartbeat(*, manager: SessionManager, leases: LeaseKeeper, http: aiohttp.ClientSession) -> bool:
    settings = manager.settings
    event = make_event(
        type=EventType.WORKER_HEARTBEAT,
        session_id="",
        workspace_id="",
        worker_id=settings.worker_id,
        sequence=await manager.store.sequence_next(HEARTBEAT_KEY),
        data={
            "base_url": settings.base_url,
            # The worker's total (MAX_SESSIONS); the backend subtracts the sessions it has assigned here.
            "capacity": settings.max_sessions,
            "sessions": manager.states(),
        },
    )
    body = event.to_json()
    headers = event_headers(settings, event.id, body)
    sent_at, asked_at = time.monotonic(), time.time()  # before it leaves: the leases it renews are measured from here
    try:
        async with http.post(
            settings.backend_webhook_url,
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=settings.webhook_timeout_s),
        ) as response:
            raw = await read_at_most(response.content, MAX_ANSWER_BYTES)
            if response.status == 401:
                backend = manager.backend
                backend.refused(what="heartbeat", status=401, body=raw, headers=response.headers, local_time=asked_at)
                return False
            if response.status >= 300:
                log.warning("heartbeat refused", extra={"status": response.status})
                return False
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("heartbeat not delivered", extra={"error": f"{type(exc).__name__}: {exc}"})
        return False
    manager.backend.accepted()
    try:
        answer = json.loads(raw or b"{}") if len(raw) <= MAX_ANSWER_BYTES else None
    except (ValueError, RecursionError):
        answer = None
    await leases.follow(answer, sent_at=sent_at)
    return True


async def heartbeat_loop(*, manager: SessionManager, leases: LeaseKeeper, http: aiohttp.ClientSession) -> None:
    """A heartbeat answered late (the backend stalled, e.g. waiting for its database) granted leases measured from
    when it left, already short: the next one leaves at once, so the sessions it started are not fenced before
    a renewal comes."""
    settings = manager.settings
    while True:
        left = time.monotonic()
        answered = await send_heartbeat(manager=manager, leases=leases, http=http)
        round_trip = time.monotonic() - left
        if answered and round_trip > settings.lease_safety_margin_s:
            log.warning(
                "heartbeat answered late, sending the next at once", extra={"round_trip_ms": int(round_trip * 1000)}
            )
            continue
        await asyncio.sleep(_next_in(manager, answered=answered))


def _next_in(manager: SessionManager, *, answered: bool) -> float:
    """Until the backend has answered a first heartbeat (it may be starting beside this worker: no session can be
    placed here before), one a second; once answered, or while the backend refuses this worker, the interval."""
    interval = manager.settings.heartbeat_interval_s
    if answered or manager.leases.answered or manager.backend.refusal is not None:
        return interval
    return min(FIRST_ANSWER_RETRY_S, interval)
