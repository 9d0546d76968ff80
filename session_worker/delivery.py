"""Webhook delivery: one loop per session, oldest event first, signed, retried until the backend answers.

An event is in the outbox (on disk) before it is sent. The loop for a session sends its oldest pending event
and moves on only when that event is settled: 2xx -> delivered; 409 ``stale_epoch`` or 403 ``not_lease_holder``,
``worker_mismatch``, ``workspace_mismatch`` -> dead, and the session is fenced (it runs elsewhere now); another
4xx other than 401/408/429 -> dead (logged loudly: retrying cannot fix it); 401 (the backend does not accept this
worker's signature now: its key, its registration, its clock) -> kept, retried with backoff, and said in the log
and in ``/health`` (session_worker/backend_auth.py); anything else (5xx, 408, 429, a network error) -> retried
with exponential backoff and jitter, or after ``Retry-After`` when the backend gives one. The ``webhook-id`` is
the event id on every attempt, so the backend can take each event once.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import random
import time
from collections.abc import Callable

import aiohttp

from session_worker.backend_auth import BackendStatus, error_code, event_headers, fences, read_at_most
from session_worker.metrics import Metrics
from session_worker.settings import Settings
from session_worker.store import OutboxRow, Store

log = logging.getLogger("session_worker.delivery")

RETRYABLE_4XX = frozenset({401, 408, 429})


def backoff_s(*, attempts: int, base_s: float, max_s: float) -> float:
    """Full jitter over an exponential ceiling: 0.5..1 of min(max, base * 2^attempts)."""
    ceiling = min(max_s, base_s * (2 ** min(attempts, 30)))
    return ceiling * (0.5 + random.random() / 2)


def retry_after_s(value: str | None, *, max_s: float) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), capped at ``max_s``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), max_s)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(0.0, when.timestamp() - time.time()), max_s)


class Delivery:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        http: aiohttp.ClientSession,
        metrics: Metrics,
        backend: BackendStatus,
    ) -> None:
        self.settings = settings
        self.store = store
        self.http = http
        self.metrics = metrics
        self.backend = backend
        # Called with (session id, epoch) when the backend refuses an event as not of the session's lease (409
        # stale_epoch, 403 not_lease_holder...): the session moved on, and this worker must stop driving it.
        self.on_fenced: Callable[[str, int], None] | None = None
        self._wakeups: dict[str, asyncio.Event] = {}
        self._loops: dict[str, asyncio.Task] = {}
        self._closing = False

    async def start(self) -> None:
        for session_id in await self.store.outbox_pending_sessions():
            self.wake(session_id)
        await self.refresh_depth()

    async def close(self) -> None:
        self._closing = True
        for task in self._loops.values():
            task.cancel()
        for task in list(self._loops.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loops.clear()

    def wake(self, session_id: str) -> None:
        """There is a new event for ``session_id``: make sure its loop runs and looks."""
        if self._closing:
            return
        self._wakeups.setdefault(session_id, asyncio.Event()).set()
        task = self._loops.get(session_id)
        if task is None or task.done():
            self._loops[session_id] = asyncio.create_task(self._loop(session_id), name=f"delivery:{session_id}")

    async def refresh_depth(self) -> None:
        self.metrics.outbox_depth.set(await self.store.outbox_depth())

    async def _loop(self, session_id: str) -> None:
        wakeup = self._wakeups[session_id]
        while not self._closing:
            wakeup.clear()
            row = await self.store.outbox_next(session_id)
            if row is None:
                await self.refresh_depth()
                await wakeup.wait()
                continue
            await self._deliver(row)

    async def _deliver(self, row: OutboxRow) -> None:
        """Send ``row`` until it is settled (delivered or dead)."""
        attempts = row.attempts
        while not self._closing:
            delay, error = await self._attempt(row)
            if delay is None:
                return
            attempts += 1
            self.metrics.retries.inc()
            await self.store.outbox_mark(position=row.position, status="pending", error=error)
            wait = delay if delay >= 0 else self._backoff(attempts)
            log.warning(
                "webhook retry",
                extra={
                    "session_id": row.session_id,
                    "event_id": row.event_id,
                    "type": row.type,
                    "attempts": attempts,
                    "retry_in_s": round(wait, 2),
                    "error": error,
                },
            )
            await asyncio.sleep(wait)

    def _backoff(self, attempts: int) -> float:
        return backoff_s(
            attempts=attempts - 1, base_s=self.settings.webhook_retry_base_s, max_s=self.settings.webhook_retry_max_s
        )

    async def _attempt(self, row: OutboxRow) -> tuple[float | None, str]:
        """One POST. (None, "") when settled; (delay, error) to retry, delay -1 meaning "back off"."""
        headers = event_headers(self.settings, row.event_id, row.body)
        started, asked_at = time.monotonic(), time.time()
        try:
            async with self.http.post(
                self.settings.backend_webhook_url,
                data=row.body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_s),
            ) as response:
                status, answer_headers = response.status, response.headers
                retry_after = response.headers.get("Retry-After")
                answer = await read_at_most(response.content, 64 * 1024)  # an error's JSON: never more is needed
        except (aiohttp.ClientError, TimeoutError) as exc:
            return -1, f"{type(exc).__name__}: {exc}"
        elapsed_ms = int((time.monotonic() - started) * 1000)
        text = answer[:300].decode(errors="replace")
        context = {"session_id": row.session_id, "event_id": row.event_id, "type": row.type, "status": status}
        if status == 401:
            self.backend.refused(
                what="webhook", status=status, body=answer, headers=answer_headers, local_time=asked_at
            )
            self.metrics.deliveries.labels(outcome="retry").inc()
            return -1, f"HTTP 401 {error_code(answer) or text}"
        if status < 500 and status not in RETRYABLE_4XX:
            self.backend.accepted()  # answered as this worker, whatever the answer
        if 200 <= status < 300:
            await self.store.outbox_mark(position=row.position, status="delivered")
            self.metrics.deliveries.labels(outcome="delivered").inc()
            log.info("webhook delivered", extra={**context, "elapsed_ms": elapsed_ms})
            return None, ""
        if fences(status, answer):
            await self.store.outbox_mark(position=row.position, status="dead", error=f"{status}: {text}")
            self.metrics.deliveries.labels(outcome="dead").inc()
            epoch = int(json.loads(row.body).get("epoch", 0))
            log.warning(
                "fenced: the backend says this lease is not the session's, event not retried",
                extra={**context, "epoch": epoch, "error": error_code(answer)},
            )
            if self.on_fenced is not None:
                self.on_fenced(row.session_id, epoch)
            return None, ""
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            await self.store.outbox_mark(position=row.position, status="dead", error=f"{status}: {text}")
            self.metrics.deliveries.labels(outcome="dead").inc()
            log.error(
                "WEBHOOK REJECTED, EVENT DROPPED: the backend refused it and retrying cannot help",
                extra={**context, "response": text},
            )
            return None, ""
        self.metrics.deliveries.labels(outcome="retry").inc()
        delay = retry_after_s(retry_after, max_s=self.settings.webhook_retry_max_s)
        return (-1 if delay is None else delay), f"HTTP {status}"
