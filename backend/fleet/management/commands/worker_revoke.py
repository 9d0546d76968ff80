"""`python backend/manage.py worker_revoke NAME`: refuse a worker from now on (a lost or compromised machine). Its
requests are answered 401 at once; its sessions move to the other workers, opened from their stored auth states
(no QR), as soon as their leases run out (at most SESSION_LEASE_TTL_S), which it can no longer renew."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import worker_revoke


class Command(BaseCommand):
    help = "Revoke a session worker: its requests are refused at once, its sessions move to the others (no QR)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")

    def handle(self, *args, name: str, **options) -> None:
        try:
            worker = worker_revoke(name=name)
        except WorkerNode.DoesNotExist:
            raise CommandError(f"no worker {name!r} (see `manage.py health_summary`)") from None
        self.stdout.write(f"worker {name}: revoked at {worker.revoked_at:%Y-%m-%d %H:%M:%S} UTC; its sessions move")
