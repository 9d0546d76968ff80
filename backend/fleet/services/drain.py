"""Draining a worker (for a deploy): every session moves off it, a few at a time, without a new QR.

The worker is marked draining first, so that it takes no new session (``placement.worker_pick`` skips it);
it keeps renewing the leases it holds until they move. Then, a few at a time, for each session:
1. the worker releases it (``POST /sessions/<id>/release``): it stops the page and stores the final auth state
   on the backend under its lease, and will not start that lease again;
2. only then the session moves (a new lease on another worker, which opens it from that state).
A worker that cannot be reached is not moved from: its sessions move by failover once their leases expire.
At most ``batch`` sessions are between two workers at any time: the next one is released as soon as one of
those is ready on its new worker (a window that slides, not batches that wait for their slowest). Running it
again carries on where it stopped.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.fleet.services.failover import account_move
from backend.fleet.services.workers import worker_set_draining
from backend.fleet.worker_client import WorkerClient, WorkerError

log = logging.getLogger(__name__)

POLL_S = 0.2


@dataclasses.dataclass
class DrainResult:
    worker_id: str
    total: int = 0  # sessions on the worker when the drain began
    moved: int = 0
    left: int = 0  # still on the worker at the end (unreachable, no room elsewhere, or out of time)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, int | float | str]:
        return dataclasses.asdict(self)


def _held(worker_id: str):
    return WhatsAppAccount.live.filter(worker_id=worker_id).should_run()


def _release(client: WorkerClient, account: WhatsAppAccount) -> bool:
    """Ask the worker to release the session; True when it no longer runs it (released, or never ran it)."""
    try:
        client.release_session(session_id=account.session_id, epoch=account.lease_epoch)
        return True
    except WorkerError as exc:
        log.warning("session %s: not released by worker %s (%s); left for now", account.session_id,
                    account.worker_id, exc)  # fmt: skip
        return False


def _still_moving(account_ids: list[int]) -> list[int]:
    """Those of the accounts still moving (not yet ready on their new worker, showing their new QR, or ended)."""
    return list(WhatsAppAccount.objects.filter(pk__in=account_ids, moving=True).values_list("pk", flat=True))


def worker_drain(
    *,
    worker_id: str,
    batch: int = 3,
    timeout_s: float = 600.0,
    on_progress: Callable[[DrainResult], None] | None = None,
) -> DrainResult:
    """Move every session off ``worker_id`` (which stays draining); raises WorkerNode.DoesNotExist."""
    started = time.monotonic()
    deadline = started + timeout_s
    worker = worker_set_draining(worker_id=worker_id, draining=True)
    client = WorkerClient(worker)
    result = DrainResult(worker_id=worker_id, total=_held(worker_id).count())
    skipped: set[int] = set()
    in_flight: list[int] = []  # moved, not ready on their new worker yet
    with ThreadPoolExecutor(max_workers=batch, thread_name_prefix="drain") as pool:
        while time.monotonic() < deadline:
            in_flight = _still_moving(in_flight)
            remaining = _held(worker_id).exclude(pk__in=skipped)
            # A session finishing its link has no auth state yet: it goes later, once connected.
            ready_to_go = remaining.exclude(status=AccountStatus.AUTHENTICATED).order_by("workspace_id", "id")
            pending = list(ready_to_go[: batch - len(in_flight)]) if len(in_flight) < batch else []
            if not pending:
                if not in_flight and not remaining.exists():
                    break
                time.sleep(POLL_S)
                continue
            released = [
                a for a, ok in zip(pending, pool.map(lambda a: _release(client, a), pending), strict=True) if ok
            ]
            skipped.update(a.pk for a in pending if a not in released)
            for account in released:
                if account_move(account_id=account.pk, epoch=account.lease_epoch, why="drain") is None:
                    skipped.add(account.pk)  # no room elsewhere: it starts again where it was
            moving = [a.pk for a in released if a.pk not in skipped]
            in_flight += moving
            result.moved += len(moving)
            if on_progress is not None:
                on_progress(result)
    result.left = _held(worker_id).count()
    result.seconds = time.monotonic() - started
    log.warning("worker %s: drained, %s moved, %s left, in %.1f s", worker_id, result.moved, result.left,
                result.seconds)  # fmt: skip
    return result
