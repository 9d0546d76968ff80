"""`python backend/manage.py session_state_rotate`: encrypt every stored auth state with the first key of
SESSION_STATE_KEYS, so that the older keys can then be dropped (docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from backend.fleet.selectors import auth_states_count
from backend.fleet.services.auth_state import auth_states_rotate


class Command(BaseCommand):
    help = "Re-encrypt every session's stored auth state with the first key of SESSION_STATE_KEYS."

    def handle(self, *args, **options) -> None:
        total = auth_states_count()
        rotated = auth_states_rotate()
        self.stdout.write(f"{rotated} of {total} auth states encrypted with the first key of SESSION_STATE_KEYS")
        if rotated < total:
            self.stderr.write(f"{total - rotated} could not be decrypted with any key: see the log")
