"""Reads about the session workers and the sessions they hold."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from backend.accounts.models import WhatsAppAccount
from backend.fleet.models import SessionAuthState, WorkerNode


def worker_get(*, worker_id: str) -> WorkerNode | None:
    return WorkerNode.objects.filter(pk=worker_id).first()


def workers_alive() -> QuerySet[WorkerNode]:
    return WorkerNode.objects.filter(is_alive=True, revoked_at__isnull=True).order_by("id")


def account_to_start(*, account_id: int, session_id: str, epoch: int) -> WhatsAppAccount | None:
    """The account, with its worker, if its session should still run under lease ``epoch``; else None."""
    wanted = WhatsAppAccount.live.should_run().filter(pk=account_id, session_id=session_id, lease_epoch=epoch)
    return wanted.select_related("worker").first()


def auth_states_count() -> int:
    return SessionAuthState.objects.count()


def auth_state_is_stored(*, account_id: int) -> bool:
    return SessionAuthState.objects.filter(account_id=account_id).exists()


@dataclass(frozen=True)
class HealthSummary:
    accounts_by_workspace: dict[str, dict[str, int]]
    workers: list[WorkerNode]


def health_summary() -> HealthSummary:
    """Accounts by status per workspace, and every worker (`manage.py health_summary`)."""
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
