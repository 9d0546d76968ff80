"""`python backend/manage.py worker_key_new`: a new Ed25519 key pair (whsk_ private, whpk_ public), made here and
printed, for a worker that keeps its private key to itself (`worker_register --public-key`), or for the backend's
own BACKEND_SIGNING_KEY. Nothing is stored."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shared.identity import new_key_pair


class Command(BaseCommand):
    help = "Print a new Ed25519 key pair (nothing is stored)."

    def handle(self, *args, **options) -> None:
        pair = new_key_pair()
        self.stdout.write(f"private: {pair.private}\npublic:  {pair.public}")
