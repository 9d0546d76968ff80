"""`python backend/manage.py incident_close ID`: close an incident by hand (it closes by itself on a clean boot)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.incidents.services import incident_close


class Command(BaseCommand):
    help = "Close an open incident by hand: its banner goes and Connect starts sessions again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("incident_id", type=int)

    def handle(self, *args, incident_id: int, **options) -> None:
        if incident_close(incident_id=incident_id, by="manage.py incident_close") is None:
            raise CommandError(f"no open incident {incident_id}")
        self.stdout.write(f"incident {incident_id} closed")
