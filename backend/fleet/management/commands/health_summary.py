"""`python backend/manage.py health_summary`: accounts by status per workspace, workers and heartbeats."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from backend.fleet.selectors import health_summary


class Command(BaseCommand):
    help = "Print accounts by status per workspace, and the session workers with their last heartbeat."

    def handle(self, *args, **options) -> None:
        summary = health_summary()
        now = timezone.now()
        self.stdout.write("Accounts by status per workspace")
        if not summary.accounts_by_workspace:
            self.stdout.write("  (no accounts)")
        for workspace, counts in summary.accounts_by_workspace.items():
            total = sum(counts.values())
            detail = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
            self.stdout.write(f"  {workspace}: {total} ({detail})")
        self.stdout.write("Workers")
        if not summary.workers:
            self.stdout.write("  (no workers)")
        for worker in summary.workers:
            age = worker.heartbeat_age(now)
            heartbeat = "never" if age is None else f"{age.total_seconds():.0f} s ago"
            state = ("alive" if worker.is_alive else "DEAD") + (", draining" if worker.draining else "")
            self.stdout.write(
                f"  {worker.id} {state} {worker.base_url} capacity {worker.capacity}, "
                f"{worker.reported_sessions} sessions reported, last heartbeat {heartbeat}"
            )
