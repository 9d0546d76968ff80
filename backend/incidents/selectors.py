"""Reads of WhatsApp Web's builds, incidents and pin: what the heartbeat's answer, Connect, the settings page and
the pin command read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from backend.incidents.models import Incident, PageChangeReport, WhatsAppWebBuild, WhatsAppWebPin


def whatsapp_web_pin() -> str | None:
    """The build the workers load instead of the live page, or None (the live page)."""
    return WhatsAppWebPin.objects.order_by("-pinned_at").values_list("build", flat=True).first()


def builds_known() -> QuerySet[WhatsAppWebBuild]:
    """The builds sessions booted clean on, the latest seen first."""
    return WhatsAppWebBuild.objects.order_by("-last_seen_at", "build")


def incident_open() -> Incident | None:
    """The latest open incident, if any: while one is open, no new session is started (Connect is refused)."""
    return Incident.objects.filter(closed_at__isnull=True).order_by("-opened_at", "-pk").first()


def workspace_open_incidents(*, workspace_id: int) -> list[Incident]:
    """The open incidents that affect the workspace (some session of it reported the change)."""
    reports = PageChangeReport.objects.filter(workspace_id=workspace_id, incident__closed_at__isnull=True)
    ids = reports.values("incident")
    return list(Incident.objects.filter(pk__in=ids).order_by("opened_at", "pk"))


def incident_workspace_ids(*, incident_id: int) -> list[int]:
    rows = PageChangeReport.objects.filter(incident_id=incident_id).values_list("workspace_id", flat=True)
    return sorted(set(rows))


def incident_affected(*, incident_id: int) -> tuple[int, int]:
    """(workspaces, sessions) whose reports are attached to the incident."""
    reports = PageChangeReport.objects.filter(incident_id=incident_id)
    workspaces = reports.values("workspace_id").distinct().count()
    return workspaces, reports.values("account_id").distinct().count()


def incident_for_page(incident: Incident) -> dict[str, Any]:
    """The incident as the settings page and the WebSocket's messages carry it."""
    return {
        "id": incident.pk,
        "kind": incident.kind,
        "build": incident.build,
        "members": incident.members,
        "detail": incident.detail,
        "opened_at": incident.opened_at.isoformat(),
        "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
    }
