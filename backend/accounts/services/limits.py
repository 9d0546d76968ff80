"""Limits per workspace: live accounts at most, and connect attempts per hour and per day.

A connect attempt is a new QR session a user asked for: "Connect WhatsApp" (a new account) and "Reconnect" or
"Get a new QR code" (a new session for an account), each recorded in the timeline as a status change to
``qr_scanning`` with the reason CREATED or RECONNECT. Those rows are the count: they are in the database, so
every backend process agrees, and they stay when an attempt is cancelled or its account deleted (a cancelled
attempt still cost a browser page). An attempt whose proxy failed its check before the page opened is not charged
(``attempt_refund``: its row's ``charged`` is cleared): no QR was shown, the fault is the proxy's; so is one whose
page WhatsApp Web changed (PAGE_CHANGED), and no attempt is started at all while an incident is open. Windows
slide: an attempt counts for the hour (day) after it was made.

The check runs with the workspace row locked by the caller, in the transaction that then records the attempt:
two connects at the limit are counted one after the other, and exactly one of them gets the last slot.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from backend.accounts.errors import ServiceError
from backend.accounts.models import AccountStatus, AccountStatusChange, StatusReason, WhatsAppAccount, Workspace
from backend.metrics import counters

log = logging.getLogger(__name__)

ATTEMPT_REASONS = (StatusReason.CREATED, StatusReason.RECONNECT)
# The setting of each limit's default (a workspace's own value, set by staff in the admin, wins).
SETTINGS = {
    "accounts": "WORKSPACE_MAX_ACCOUNTS",
    "connects_per_hour": "WORKSPACE_CONNECTS_PER_HOUR",
    "connects_per_day": "WORKSPACE_CONNECTS_PER_DAY",
}


class LimitReached(ServiceError):
    """Over one of the workspace's limits: the API answers 429 with ``retry_after`` (None when time alone
    does not free it: the account limit frees when an account is deleted)."""

    code = "limit_reached"

    def __init__(self, message: str, *, limit: str, retry_after: int | None, frees_at: dt.datetime | None) -> None:
        super().__init__(message)
        self.limit = limit
        self.setting = SETTINGS[limit]
        self.retry_after = retry_after
        self.frees_at = frees_at


@dataclass(frozen=True)
class WorkspaceLimits:
    max_accounts: int
    connects_per_hour: int
    connects_per_day: int


def workspace_limits(*, workspace: Workspace) -> WorkspaceLimits:
    """The workspace's own limits where staff set them, else the settings' defaults."""

    def either(own: int | None, default: int) -> int:
        return default if own is None else own

    return WorkspaceLimits(
        max_accounts=either(workspace.max_accounts, settings.WORKSPACE_MAX_ACCOUNTS),
        connects_per_hour=either(workspace.connects_per_hour, settings.WORKSPACE_CONNECTS_PER_HOUR),
        connects_per_day=either(workspace.connects_per_day, settings.WORKSPACE_CONNECTS_PER_DAY),
    )


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return _count(seconds, "second")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return _count(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _attempts_frees_at(
    *, workspace: Workspace, limit: int, window: dt.timedelta, now: dt.datetime
) -> dt.datetime | None:
    """When the attempts of the last ``window`` leave room for one more (None: there is room now)."""
    recent = list(
        AccountStatusChange.objects.filter(
            account__workspace=workspace,
            status=AccountStatus.QR_SCANNING,
            reason__in=ATTEMPT_REASONS,
            charged=True,
            at__gt=now - window,
        )
        .order_by("at")
        .values_list("at", flat=True)
    )
    if len(recent) < limit:
        return None
    # Room comes back when all but limit - 1 of them have left the window.
    return recent[len(recent) - limit] + window


def attempt_refund(*, account: WhatsAppAccount, why: str = "its proxy failed") -> None:
    """The account's latest connect attempt no longer counts against its workspace's limits (its proxy failed
    before any QR was shown, or WhatsApp Web's page changed)."""
    attempts = AccountStatusChange.objects.filter(
        account=account, status=AccountStatus.QR_SCANNING, reason__in=ATTEMPT_REASONS
    )
    latest = attempts.order_by("-at", "-id").values_list("pk", flat=True).first()
    if latest is not None:
        AccountStatusChange.objects.filter(pk=latest).update(charged=False)
        log.info("session %s: its connect attempt is not charged (%s)", account.session_id, why)


def workspace_check_connect(*, workspace: Workspace, new_account: bool, now: dt.datetime | None = None) -> None:
    """Raise LimitReached if the workspace may not start another QR session now (``new_account``: one that adds
    an account, which the account limit also bounds). The caller holds the workspace row's lock."""
    now = now or timezone.now()
    limits = workspace_limits(workspace=workspace)
    if new_account and WhatsAppAccount.live.filter(workspace=workspace).count() >= limits.max_accounts:
        log.info("workspace %s: connect refused, %s accounts at most", workspace.pk, limits.max_accounts)
        counters.quota_refused(limit="accounts")  # counted now: the refusal rolls its transaction back
        raise LimitReached(
            f"This workspace has reached its limit of {_count(limits.max_accounts, 'WhatsApp account')}. "
            "Delete an account to connect another one.",
            limit="accounts",
            retry_after=None,
            frees_at=None,
        )
    refusals = []
    for name, limit, window, per in (
        ("connects_per_hour", limits.connects_per_hour, dt.timedelta(hours=1), "hour"),
        ("connects_per_day", limits.connects_per_day, dt.timedelta(days=1), "day"),
    ):
        frees_at = _attempts_frees_at(workspace=workspace, limit=limit, window=window, now=now)
        if frees_at is not None:
            refusals.append((frees_at, name, limit, per))
    if not refusals:
        return
    frees_at, name, limit, per = max(refusals)  # the one that frees last is the one that binds
    retry_after = max(1, math.ceil((frees_at - now).total_seconds()))
    log.info("workspace %s: connect refused, %s connects per %s at most", workspace.pk, limit, per)
    counters.quota_refused(limit=name)
    raise LimitReached(
        f"This workspace has reached its limit of {_count(limit, 'connection attempt')} per {per}. "
        f"The next one is possible in {_in_words(retry_after)} (at {frees_at:%H:%M} UTC).",
        limit=name,
        retry_after=retry_after,
        frees_at=frees_at,
    )
