"""`python backend/manage.py whatsapp_web_pin BUILD` (or --unpin, --list): the WhatsApp Web build sessions load
instead of the live page (docs/operations.md "When WhatsApp Web changes")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.incidents.selectors import builds_known, incident_open, whatsapp_web_pin
from backend.incidents.services import InvalidBuild, whatsapp_web_pin_clear, whatsapp_web_pin_set


class Command(BaseCommand):
    help = (
        "Pin a WhatsApp Web build: the workers load the page of that build (kept from a clean boot) instead of the "
        "live one. --unpin goes back to the live page; --list shows the builds sessions booted clean on and the pin."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("build", nargs="?", help="a build from --list")
        parser.add_argument("--unpin", action="store_true", help="load the live page again")
        parser.add_argument("--list", action="store_true", help="the known-good builds and the current pin")

    def handle(self, *args, build: str | None, unpin: bool, list: bool, **options) -> None:
        if sum((bool(build), unpin, list)) != 1:
            raise CommandError("give one of: a BUILD, --unpin, --list")
        if list:
            return self._list()
        if unpin:
            was = whatsapp_web_pin_clear(by="manage.py whatsapp_web_pin")
            self.stdout.write(f"unpinned (was {was}): sessions load the live page" if was else "no build was pinned")
            return
        if not builds_known().filter(build=build).exists():
            self.stderr.write(
                f"warning: no session booted clean on {build} here: a worker can load it only if its builds/ folder "
                "has it (copy it from a worker that saw it)"
            )
        try:
            whatsapp_web_pin_set(build=build, by="manage.py whatsapp_web_pin")
        except InvalidBuild as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"pinned {build}: the workers load it from their next heartbeat's answer")

    def _list(self) -> None:
        pin = whatsapp_web_pin()
        self.stdout.write(f"pinned: {pin or 'none (the live page)'}")
        incident = incident_open()
        if incident is not None:
            self.stdout.write(f"open incident {incident.pk}: WhatsApp Web build {incident.build}: {incident.members}")
        self.stdout.write("builds sessions booted clean on (latest first):")
        for known in builds_known():
            mark = "  (pinned)" if known.build == pin else ""
            self.stdout.write(
                f"  {known.build}  {known.sessions_booted} boots, first {known.first_seen_at:%Y-%m-%d %H:%M}, "
                f"last {known.last_seen_at:%Y-%m-%d %H:%M} UTC{mark}"
            )
