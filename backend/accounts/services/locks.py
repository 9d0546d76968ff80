"""The lock every writer of an account takes: the workspace row first, then the account row."""

from __future__ import annotations

from backend.accounts.models import WhatsAppAccount, Workspace


def account_lock(*, account_id: int, workspace_id: int | None = None) -> tuple[Workspace, WhatsAppAccount]:
    """Lock the account's workspace row, then the account row (in a transaction), and return both.

    The workspace row first: it serializes "is there a primary?" and "who else has this phone number?"
    between sessions of the same workspace. Account rows are locked after it, never before, by every writer
    (services and the webhook inbox), so two of them cannot deadlock.
    """
    if workspace_id is None:
        workspace_id = WhatsAppAccount.objects.values_list("workspace_id", flat=True).get(pk=account_id)
    workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
    account = WhatsAppAccount.objects.select_for_update().get(pk=account_id)
    return workspace, account
