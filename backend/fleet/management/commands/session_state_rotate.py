"""`python backend/manage.py session_state_rotate`: encrypt every stored auth state, and every proxy's password
(backend/egress/), with the first key of SESSION_STATE_KEYS, so that the older keys can then be dropped
(docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from backend.egress.services import proxies_rotate
from backend.fleet.selectors import auth_states_count
from backend.fleet.services.auth_state import auth_states_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every session's stored auth state, and every proxy's password, with the first key of "
        "SESSION_STATE_KEYS."
    )

    def handle(self, *args, **options) -> None:
        total = auth_states_count()
        rotated = auth_states_rotate()
        self.stdout.write(f"{rotated} of {total} auth states encrypted with the first key of SESSION_STATE_KEYS")
        if rotated < total:
            self.stderr.write(f"{total - rotated} could not be decrypted with any key: see the log")
        sealed, passwords = proxies_rotate()
        self.stdout.write(f"{sealed} of {passwords} proxy passwords encrypted with the first key of SESSION_STATE_KEYS")
        if sealed < passwords:
            self.stderr.write(f"{passwords - sealed} proxy passwords could not be decrypted with any key: see the log")
