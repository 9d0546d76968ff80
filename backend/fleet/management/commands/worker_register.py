"""`python backend/manage.py worker_register NAME --url URL --capacity N`: register a session worker (an operator's
act: a heartbeat never registers one). Prints the worker's credentials once; the backend keeps only the public key.

With --public-key, the worker's key pair was made on its own machine (`manage.py worker_key_new` there, or any
Ed25519 tool) and only its public half is given: nothing secret is printed. --update changes the URL or capacity
of a registered worker.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import RegistrationError, backend_public_keys, worker_register, worker_update


class Command(BaseCommand):
    help = "Register a session worker with its URL and capacity, and print its credentials (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the worker's name: its WORKER_ID")
        parser.add_argument("--url", required=True, help="where the backend reaches the worker's API")
        parser.add_argument("--capacity", type=int, required=True, help="sessions it may hold (its MAX_SESSIONS)")
        parser.add_argument("--public-key", help="the worker's own whpk_ key (its private key never leaves it)")
        parser.add_argument("--update", action="store_true", help="change a registered worker's URL and capacity")

    def handle(self, *args, name: str, url: str, capacity: int, public_key: str | None, update: bool, **options):
        try:
            if update:
                worker = worker_update(name=name, url=url, capacity=capacity)
                self.stdout.write(f"worker {worker.id}: {worker.base_url}, capacity {worker.capacity}")
                return
            credentials = worker_register(name=name, url=url, capacity=capacity, public_key=public_key)
        except (RegistrationError, WorkerNode.DoesNotExist) as exc:
            raise CommandError(str(exc) or f"no worker {name!r}") from None
        self.stdout.write(f"worker {name} registered: {url}, capacity {capacity}.")
        self.stdout.write("Its environment (shown once; the backend keeps only the public key):")
        self.stdout.write(f"WORKER_ID={name}")
        if credentials.signing_key:
            self.stdout.write(f"WORKER_SIGNING_KEY={credentials.signing_key}")
        self.stdout.write(f"BACKEND_PUBLIC_KEYS={' '.join(backend_public_keys())}")
