"""What the settings page shows: the workspace's accounts in the API's shape plus the page's extras (the QR
as SVG, the timeline, last seen). Reads only; every write goes through the REST API (backend/accounts/api/)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from backend.accounts import selectors
from backend.accounts.models import (
    AccountStatus,
    Membership,
    StatusReason,
    WhatsAppAccount,
    Workspace,
)
from backend.accounts.reasons import DELETED_PREFIX
from backend.accounts.serializers import AccountSerializer
from backend.inbox.selectors import sessions_first_events, sessions_last_event
from backend.incidents.selectors import incident_for_page, workspace_open_incidents
from shared.events import EventType

STATUS_LABELS = {
    AccountStatus.QR_SCANNING: "Waiting for scan",
    AccountStatus.AUTHENTICATED: "Syncing",
    AccountStatus.CONNECTED: "Connected",
    AccountStatus.DISCONNECTED: "Disconnected",
    AccountStatus.FAILED: "Failed",
    AccountStatus.LOGGED_OUT: "Logged out",
}

REQUESTED_LABELS = {StatusReason.CREATED: "Connect requested", StatusReason.RECONNECT: "Reconnect requested"}

TIMELINE_LENGTH = 20


def membership_of(*, user, workspace_id: str) -> Membership | None:
    """The user's membership of the workspace named in the URL, or None (not a number, not theirs)."""
    try:
        return selectors.membership_for(user=user, workspace_id=int(workspace_id))
    except ValueError:
        return None


def workspace_for_page(*, user, workspace_id: str | None) -> tuple[Membership | None, list[Workspace]]:
    """The membership the page shows (the requested workspace, else the user's first) and all of the user's
    workspaces (for the switcher). (None, [...]) when the requested one is not among them."""
    workspaces = list(selectors.workspaces_for_user(user=user))
    if workspace_id is not None:
        return membership_of(user=user, workspace_id=workspace_id), workspaces
    if not workspaces:
        return None, workspaces
    return selectors.membership_for(user=user, workspace_id=workspaces[0].pk), workspaces


def _step(step: str, label: str, at: dt.datetime) -> dict[str, str]:
    return {"step": step, "label": label, "at": at.isoformat()}


def _status_step(status: str, reason: str, at: dt.datetime, proxy: str = "", build: str = "") -> dict[str, str]:
    step = _status_label(status, reason, at)
    if proxy:
        step["proxy"] = proxy  # the session's proxy (host:port), shown as "via ..."
    if build:
        step["build"] = build  # the WhatsApp Web build its session ran (shown where it changed)
    return step


def _status_label(status: str, reason: str, at: dt.datetime) -> dict[str, str]:
    if reason.startswith(DELETED_PREFIX):
        return _step("deleted", "Deleted", at)
    if status == AccountStatus.QR_SCANNING:
        label = REQUESTED_LABELS.get(reason, "Waiting for a scan")
        return _step("requested", label, at)
    if status == AccountStatus.AUTHENTICATED:
        if reason == StatusReason.RESTORE:
            return _step("reconnecting", "Reconnecting from its kept login", at)
        return _step("authenticated", "Scanned: linking the phone", at)
    if status == AccountStatus.CONNECTED:
        return _step("ready", "Ready: connected", at)
    label = STATUS_LABELS.get(status, status)
    return _step(status, f"{label} ({reason})" if reason else label, at)


# Steps taken from the inbox: the first event of each of these types in the account's current session.
EVENT_STEPS = {
    EventType.QR_CODE_GENERATED: ("qr_shown", "QR shown"),
    EventType.SESSION_SYNC_PROGRESS: ("sync_started", "History sync started"),
}


def _timelines(accounts: list[WhatsAppAccount]) -> dict[int, list[dict[str, str]]]:
    """Per account: its status changes, the first QR shown and the start of the first history sync of its
    current session, in time order."""
    firsts: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = sessions_first_events(session_ids=[a.session_id for a in accounts], types=EVENT_STEPS)
    for session_id, event_type, first in rows:
        firsts[session_id].append((event_type, first))
    timelines: dict[int, list[dict[str, str]]] = defaultdict(list)
    for account in accounts:
        steps, build = [], ""
        for change in account.status_changes.all():
            shown = change.whatsapp_web_build if change.whatsapp_web_build != build else ""
            build = change.whatsapp_web_build or build
            steps.append((change.at, _status_step(change.status, change.reason, change.at, change.proxy, shown)))
        for event_type, at in firsts.get(account.session_id, []):
            steps.append((at, _step(*EVENT_STEPS[event_type], at)))
        steps.sort(key=lambda pair: pair[0])
        timelines[account.pk] = [step for _, step in steps][-TIMELINE_LENGTH:]
    return timelines


def _last_seen(accounts: Iterable[WhatsAppAccount]) -> dict[int, dt.datetime | None]:
    """A connected account on a live worker was seen at the worker's last heartbeat; any other account at
    the last event its session sent (or its last status change)."""
    accounts = list(accounts)
    last_event = sessions_last_event(session_ids=[a.session_id for a in accounts])
    seen: dict[int, dt.datetime | None] = {}
    for account in accounts:
        candidates = [last_event.get(account.session_id), account.status_changed_at]
        worker = account.worker
        if account.status == AccountStatus.CONNECTED and worker is not None and worker.is_alive:
            candidates.append(worker.last_heartbeat_at)
        seen[account.pk] = max((c for c in candidates if c is not None), default=None)
    return seen


def page_accounts(*, workspace_id: int) -> list[dict[str, Any]]:
    """The live accounts of the workspace as the page's JavaScript takes them (the API's account plus
    ``qr_svg``, ``timeline`` and ``last_seen_at``), primary first, then oldest first."""
    accounts = list(
        selectors.accounts_of_workspace(workspace_id=workspace_id)
        .select_related("worker")
        .prefetch_related("status_changes")
    )
    timelines = _timelines(accounts)
    last_seen = _last_seen(accounts)
    now = timezone.now()
    rows = []
    for account in accounts:
        row = dict(AccountSerializer(account).data)
        row["qr_svg"] = selectors.account_qr_svg(account=account) if account.qr_is_current(now) else None
        if row["qr_svg"] is None:
            row["qr"] = None  # an expired code is not shown
        row["timeline"] = timelines[account.pk]
        seen = last_seen[account.pk]
        row["last_seen_at"] = seen.isoformat() if seen else None
        rows.append(row)
    rows.sort(key=lambda row: (not row["is_primary"], row["created_at"], row["id"]))
    return rows


def page_incidents(*, workspace_id: int) -> list[dict[str, Any]]:
    """The open incidents that affect the workspace, as its banner shows them (WhatsApp Web changed)."""
    return [incident_for_page(incident) for incident in workspace_open_incidents(workspace_id=workspace_id)]
