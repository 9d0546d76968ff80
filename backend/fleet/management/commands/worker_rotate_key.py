"""`python backend/manage.py worker_rotate_key NAME`: a new key for a worker, accepted beside its old one; give the
worker the new key, restart it, then `worker_rotate_key NAME --retire-old` (docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import RegistrationError, worker_retire_old_keys, worker_rotate_key


class Command(BaseCommand):
    help = "Give a worker a new key (both accepted until --retire-old), printed once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--public-key", help="the worker's own new whpk_ key (nothing secret is printed)")
        parser.add_argument("--retire-old", action="store_true", help="accept the newest key only, from now on")

    def handle(self, *args, name: str, public_key: str | None, retire_old: bool, **options) -> None:
        try:
            if retire_old:
                worker_retire_old_keys(name=name)
                self.stdout.write(f"worker {name}: only its newest key is accepted now")
                return
            credentials = worker_rotate_key(name=name, public_key=public_key)
        except WorkerNode.DoesNotExist:
            raise CommandError(f"no worker {name!r} (see `manage.py health_summary`)") from None
        except RegistrationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"worker {name}: a new key, accepted beside the old one until --retire-old.")
        if credentials.signing_key:
            self.stdout.write(f"WORKER_SIGNING_KEY={credentials.signing_key}")
