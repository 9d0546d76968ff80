"""Reads: what a user may see, the QR as SVG, the health summary."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from django.db.models import Count, QuerySet

from backend.accounts.models import Membership, WhatsAppAccount, WorkerNode, Workspace


def workspaces_for_user(*, user) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("id")


def membership_for(*, user, workspace_id: int) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, workspace_id=workspace_id).select_related("workspace").first()


def accounts_for_user(*, user) -> QuerySet[WhatsAppAccount]:
    """Live accounts of the user's workspaces: anything else is a 404 to them."""
    return WhatsAppAccount.live.filter(workspace__memberships__user=user).select_related("worker")


def accounts_of_workspace(*, workspace_id: int) -> QuerySet[WhatsAppAccount]:
    return WhatsAppAccount.live.filter(workspace_id=workspace_id).order_by("created_at", "id")


def account_qr_svg(*, account: WhatsAppAccount, scale: int = 4) -> str:
    """The account's latest QR as an SVG document ("" when it has none)."""
    if not account.qr_code:
        return ""
    out = io.BytesIO()
    segno.make_qr(account.qr_code, error="l").save(out, kind="svg", scale=scale, border=2, xmldecl=False)
    return out.getvalue().decode()


@dataclass(frozen=True)
class HealthSummary:
    accounts_by_workspace: dict[str, dict[str, int]]
    workers: list[WorkerNode]


def health_summary() -> HealthSummary:
    by_workspace: dict[str, dict[str, int]] = {}
    rows = (
        WhatsAppAccount.live.values("workspace__id", "workspace__name", "status")
        .annotate(n=Count("id"))
        .order_by("workspace__id", "status")
    )
    for row in rows:
        label = f"{row['workspace__name']} (#{row['workspace__id']})"
        by_workspace.setdefault(label, {})[row["status"]] = row["n"]
    return HealthSummary(accounts_by_workspace=by_workspace, workers=list(WorkerNode.objects.order_by("id")))
