"""Reads: what a user may see, and the QR as SVG."""

from __future__ import annotations

import io

import segno
from django.db.models import Count, QuerySet
from rest_framework.authtoken.models import Token

from backend.accounts.models import Membership, WhatsAppAccount, Workspace


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


def user_for_token(*, key: str):
    """The active user of an API token, or None."""
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None


def workspace_exists(*, workspace_id: int) -> bool:
    return Workspace.objects.filter(pk=workspace_id).exists()


def accounts_count_by_status() -> dict[str, int]:
    """Live (not deleted) accounts by status, in one query (the metrics' gauge)."""
    rows = WhatsAppAccount.live.order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    return dict(rows)
