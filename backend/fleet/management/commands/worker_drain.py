"""`python backend/manage.py worker_drain <worker id>`: move every session off a worker (for a deploy), no new QR."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.fleet.models import WorkerNode
from backend.fleet.services.drain import DrainResult, worker_drain
from backend.fleet.services.workers import worker_set_draining


class Command(BaseCommand):
    help = (
        "Drain a session worker: it takes no new session, and its sessions move to the other workers a batch at a "
        "time, each opened there from its stored auth state (no new QR). --undo lets it take sessions again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("worker_id")
        parser.add_argument("--batch", type=int, default=3, help="sessions moved at once (default 3)")
        parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds (600)")
        parser.add_argument("--undo", action="store_true", help="stop draining: the worker takes new sessions")

    def handle(self, *args, worker_id: str, batch: int, timeout: float, undo: bool, **options) -> None:
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        try:
            if undo:
                worker_set_draining(worker_id=worker_id, draining=False)
                self.stdout.write(f"worker {worker_id}: takes new sessions again")
                return
            result = worker_drain(worker_id=worker_id, batch=batch, timeout_s=timeout, on_progress=self._progress)
        except WorkerNode.DoesNotExist:
            raise CommandError(f"no worker {worker_id!r} (see `manage.py health_summary`)") from None
        self.stdout.write(
            f"worker {worker_id}: drained, {result.moved} of {result.total} moved, {result.left} left, "
            f"in {result.seconds:.1f} s"
        )
        if result.left:
            raise CommandError(
                f"{result.left} session(s) are still on {worker_id} (worker unreachable, no room elsewhere, or out of "
                "time): run the command again, or see docs/operations.md"
            )

    def _progress(self, result: DrainResult) -> None:
        self.stdout.write(f"worker {result.worker_id}: moved {result.moved}/{result.total}")
