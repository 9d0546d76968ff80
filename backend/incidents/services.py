"""Writes of WhatsApp Web's builds, the reports of a changed page, the incidents and the pin.

A clean boot (``session_booted``) records its build on the account (its timeline's next rows carry it) and in the
list of known-good builds, and closes every open incident opened before it: sessions boot clean again (a pinned
build, a fixed worker). A report of a changed page (``session_page_changed``) is kept with the signature of its
changes; when reports of one signature came from INCIDENT_MIN_WORKSPACES workspaces within INCIDENT_WINDOW_S and
no incident of that signature is open, one opens. The signature's row is locked first (concurrent reports count
each other, one after the other) and a partial unique index allows one open incident per signature.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from backend.accounts.models import WhatsAppAccount
from backend.incidents.models import Incident, PageChangeReport, PageSignature, WhatsAppWebBuild, WhatsAppWebPin
from backend.incidents.selectors import incident_for_page, incident_workspace_ids
from backend.live.broadcast import announce_incident
from backend.live.messages import IncidentMessageType
from backend.metrics import counters
from shared.payloads import BUILD_RE

log = logging.getLogger(__name__)

CHANGE_FIELDS = ("module", "member", "expected", "found")


class InvalidBuild(ValueError):
    pass


def page_changes_sorted(changes: list[dict]) -> list[dict]:
    """The changes in one order, each with exactly its four fields: what the signature is a hash of."""
    rows = {tuple(str(change.get(f, "")) for f in CHANGE_FIELDS) for change in changes}
    return [dict(zip(CHANGE_FIELDS, row, strict=True)) for row in sorted(rows)]


def page_signature(changes: list[dict]) -> str:
    """A stable hash of the sorted changes: two sessions that lack the same members have the same signature."""
    canonical = json.dumps(page_changes_sorted(changes), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def build_booted(*, account: WhatsAppAccount, build: str, at: dt.datetime | None = None) -> list[Incident]:
    """The locked ``account``'s session booted clean on ``build`` (at ``at``, the event's time): remembered on the
    account and in the known builds; every incident opened before it closes. Returns the incidents it closed."""
    now = timezone.now()
    at = at or now
    if account.whatsapp_web_build != build:
        WhatsAppAccount.objects.filter(pk=account.pk).update(whatsapp_web_build=build)
        account.whatsapp_web_build = build
        log.info("session %s: WhatsApp Web build %s", account.session_id, build)
    WhatsAppWebBuild.objects.bulk_create(
        [WhatsAppWebBuild(build=build, first_seen_at=now, last_seen_at=now)], ignore_conflicts=True
    )
    WhatsAppWebBuild.objects.filter(build=build).update(last_seen_at=now, sessions_booted=F("sessions_booted") + 1)
    closed = []
    for incident_id in Incident.objects.filter(closed_at__isnull=True, opened_at__lte=at).values_list("pk", flat=True):
        incident = incident_close(incident_id=incident_id, by=f"a clean boot on build {build}")
        if incident is not None:
            closed.append(incident)
    return closed


def page_change_report(
    *, account: WhatsAppAccount, build: str, changes: list[dict], now: dt.datetime | None = None
) -> Incident | None:
    """The ``account``'s page booted on ``build`` without the surface the worker needs: the report is kept, and
    attached to the open incident of its signature, or opens one when enough workspaces reported it within the
    window. Returns the incident it is attached to (None: not one yet)."""
    now = now or timezone.now()
    changes = page_changes_sorted(changes)
    signature = page_signature(changes)
    PageSignature.objects.bulk_create([PageSignature(signature=signature, changes=changes)], ignore_conflicts=True)
    locked = PageSignature.objects.select_for_update().get(signature=signature)  # reports of it, one at a time
    incident = Incident.objects.filter(signature=signature, closed_at__isnull=True).first()
    new_here = incident is not None and not incident.reports.filter(workspace_id=account.workspace_id).exists()
    PageChangeReport.objects.create(
        account=account, workspace_id=account.workspace_id, session_id=account.session_id, build=build,
        signature=locked, incident=incident, at=now,
    )  # fmt: skip
    log.warning("session %s: WhatsApp Web build %s changed: %s", account.session_id, build,
                ", ".join(f"{c['module']}.{c['member']} {c['found']}" for c in changes))  # fmt: skip
    if incident is not None:
        if new_here:
            announce_incident(IncidentMessageType.INCIDENT_OPENED, incident_for_page(incident), [account.workspace_id])
        return incident
    recent = PageChangeReport.objects.filter(
        signature=locked, incident__isnull=True, at__gte=now - dt.timedelta(seconds=settings.INCIDENT_WINDOW_S)
    )
    if recent.values("workspace_id").distinct().count() < settings.INCIDENT_MIN_WORKSPACES:
        return None
    incident = Incident.objects.create(signature=signature, build=build, changes=changes, opened_at=now)
    counters.incident_opened()
    recent.update(incident=incident)
    workspaces = incident_workspace_ids(incident_id=incident.pk)
    log.error("incident opened: WhatsApp Web build %s changed: %s (%s workspaces; incident %s)", build,
              incident.members, len(workspaces), incident.pk)  # fmt: skip
    announce_incident(IncidentMessageType.INCIDENT_OPENED, incident_for_page(incident), workspaces)
    return incident


@transaction.atomic
def incident_close(*, incident_id: int, by: str = "") -> Incident | None:
    """Close the incident (a clean boot, or staff); None if it was closed already. Its workspaces' banners go."""
    incident = Incident.objects.select_for_update(no_key=True).filter(pk=incident_id, closed_at__isnull=True).first()
    if incident is None:
        return None
    incident.closed_at = timezone.now()
    incident.closed_by = by[:150]
    incident.save(update_fields=["closed_at", "closed_by"])
    seconds = int((incident.closed_at - incident.opened_at).total_seconds())
    log.warning("incident closed after %s s: WhatsApp Web build %s (incident %s, %s)", seconds, incident.build,
                incident.pk, by or "by hand")  # fmt: skip
    workspaces = incident_workspace_ids(incident_id=incident.pk)
    announce_incident(IncidentMessageType.INCIDENT_CLOSED, incident_for_page(incident), workspaces)
    return incident


@transaction.atomic
def whatsapp_web_pin_set(*, build: str, by: str = "") -> WhatsAppWebPin:
    """Pin ``build``: the workers' heartbeats are answered with it, and sessions load it instead of the live page
    (where the worker kept it). Raises InvalidBuild for a build that cannot be one."""
    if not BUILD_RE.fullmatch(build or ""):
        raise InvalidBuild(f"{build!r} is not a WhatsApp Web build (letters, digits, '.', '_', '-'; 64 at most)")
    WhatsAppWebPin.objects.all().delete()
    pin = WhatsAppWebPin.objects.create(build=build, pinned_by=by[:150])
    log.warning("WhatsApp Web pinned to build %s%s", build, f" by {by}" if by else "")
    return pin


@transaction.atomic
def whatsapp_web_pin_clear(*, by: str = "") -> str | None:
    """Sessions load the live page again; the build that was pinned (None: none was)."""
    pinned = WhatsAppWebPin.objects.values_list("build", flat=True).first()
    WhatsAppWebPin.objects.all().delete()
    if pinned:
        log.warning("WhatsApp Web unpinned (was build %s)%s", pinned, f" by {by}" if by else "")
    return pinned
