"""Workspaces, their members, and their WhatsApp accounts with each account's timeline.

The invariants of docs/design.md ("Accounts") are partial unique indexes, so the database itself holds them:
- at most one live (not deleted) account per (workspace, phone number);
- at most one primary live account per workspace.
Writes go through services/ (``services.locks.account_lock`` locks the workspace row first), so that these
indexes are never the ones to refuse a write a user made.

An account row also carries its session's lease (worker, epoch, expiry): the fleet part (backend/fleet/) owns
what those columns mean; they live here because every event and every move reads them with the account, under
the account's lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backend.accounts.reasons import StatusReason
from backend.metrics import counters
from shared.events import DisconnectReason
from shared.proxy import PROXY_REASONS

if TYPE_CHECKING:
    from backend.fleet.models import WorkerNode

log = logging.getLogger(__name__)


class Workspace(models.Model):
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    # Limits (services/limits.py): staff set them in the admin; empty means the setting's default.
    max_accounts = models.PositiveIntegerField(
        null=True, blank=True, help_text="Live accounts at most. Empty: WORKSPACE_MAX_ACCOUNTS (10)."
    )
    connects_per_hour = models.PositiveIntegerField(
        null=True, blank=True, help_text="Connect attempts in any hour. Empty: WORKSPACE_CONNECTS_PER_HOUR (5)."
    )
    connects_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="Connect attempts in any 24 hours. Empty: WORKSPACE_CONNECTS_PER_DAY (20)."
    )

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"


class Role(models.TextChoices):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="membership_user_workspace")]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def can_manage(self) -> bool:
        """Owners and admins may set the primary account, log accounts out and delete them."""
        return self.role in (Role.OWNER, Role.ADMIN)


class AccountStatus(models.TextChoices):
    QR_SCANNING = "qr_scanning"
    AUTHENTICATED = "authenticated"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    LOGGED_OUT = "logged_out"


# The session runs on its worker (as far as the backend knows): it counts against the worker's capacity, and
# is lost with the worker.
RUNNING_STATUSES = (AccountStatus.QR_SCANNING, AccountStatus.AUTHENTICATED, AccountStatus.CONNECTED)
# The session is linked to a phone (or finishing its link).
LINKED_STATUSES = (AccountStatus.CONNECTED, AccountStatus.AUTHENTICATED)
# The backend wants no session at all: one still reported by a worker is stopped.
ENDED_STATUSES = (AccountStatus.LOGGED_OUT, AccountStatus.FAILED)


# Disconnected for a while, the session still wanted where it is: it lost its worker or its lease (the same
# session is started again, from its auth, by its worker when it is back or by another one: docs/design.md
# "Many workers"), or its worker is bringing it back itself (a crashed page reopened, a lost connection
# awaited). Its lease stays listed in the heartbeat's answer meanwhile, or the worker would let it go.
RESTARTABLE_REASONS = (
    StatusReason.WORKER_LOST,
    DisconnectReason.LEASE_EXPIRED,
    DisconnectReason.BROWSER_CRASHED,
    DisconnectReason.CONNECTION_LOST,
    *PROXY_REASONS,  # a linked session's proxy failed its check: its worker retries it with backoff, no QR
    DisconnectReason.PAGE_CHANGED,  # WhatsApp Web changed: its worker retries it with backoff until a build passes
)


class AccountQuerySet(models.QuerySet):
    def running(self) -> AccountQuerySet:
        """Accounts whose session runs on their worker (see RUNNING_STATUSES)."""
        return self.filter(status__in=RUNNING_STATUSES)

    def should_run(self) -> AccountQuerySet:
        """Accounts whose worker must run their session: the running ones, and the ones disconnected only
        because they lost their worker or their lease (RESTARTABLE_REASONS). These are the leases a worker
        holds: the one definition used by the start task, the heartbeat's answer and the failover."""
        return self.filter(
            Q(status__in=RUNNING_STATUSES) | Q(status=AccountStatus.DISCONNECTED, status_reason__in=RESTARTABLE_REASONS)
        )


class LiveAccountManager(models.Manager.from_queryset(AccountQuerySet)):
    """Accounts not soft-deleted."""

    def get_queryset(self) -> AccountQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class WhatsAppAccount(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="accounts")
    session_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.QR_SCANNING)
    status_reason = models.CharField(max_length=64, blank=True, default="")
    status_changed_at = models.DateTimeField(default=timezone.now)
    # NULL until the session is linked: no number yet, so not in the one-live-per-phone index.
    phone_number = models.CharField(max_length=15, null=True, blank=True)  # noqa: DJ001
    push_name = models.CharField(max_length=256, blank=True, default="")
    platform = models.CharField(max_length=64, blank=True, default="")
    is_primary = models.BooleanField(default=False)
    qr_code = models.TextField(blank=True, default="")
    qr_count = models.PositiveIntegerField(default=0)
    qr_expires_at = models.DateTimeField(null=True, blank=True)
    # The linked phone's history sync, 0-100, while the account is authenticated; null until the first report.
    sync_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    # The (epoch, sequence) of the last event applied: an event is applied only when newer.
    last_sequence = models.BigIntegerField(null=True, blank=True)
    last_epoch = models.BigIntegerField(null=True, blank=True)
    # The session's lease: the worker that may drive it, the epoch (fencing token, only ever incremented, under
    # the account's row lock) and until when, renewed by that worker's heartbeats (docs/design.md "Many workers").
    worker = models.ForeignKey(
        "fleet.WorkerNode", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    lease_epoch = models.BigIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Moving to another worker (failover, drain) until the new worker reports it ready, or it ends.
    moving = models.BooleanField(default=False)
    connected_at = models.DateTimeField(null=True, blank=True)
    # The proxy (host:port; "" direct) its session was last started with (backend/egress/): the timeline's rows say it.
    proxy_address = models.CharField(max_length=270, blank=True, default="")
    # The WhatsApp Web build its session's page last booted clean on (``session_booted``; backend/incidents/).
    whatsapp_web_build = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = AccountQuerySet.as_manager()
    live = LiveAccountManager()

    class Meta:
        verbose_name = "WhatsApp account"
        verbose_name_plural = "WhatsApp accounts"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "phone_number"],
                condition=Q(deleted_at__isnull=True, phone_number__isnull=False),
                name="account_one_live_per_phone",
            ),
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(deleted_at__isnull=True, is_primary=True),
                name="account_one_primary_per_workspace",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="account_status_created"),
            models.Index(fields=["worker", "lease_expires_at"], name="account_worker_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.phone_number or self.session_id} ({self.status})"

    def lease_grant(self, worker: WorkerNode, *, now: dt.datetime | None = None) -> None:
        """A new lease of the session on ``worker`` (not saved): the next epoch, for SESSION_LEASE_TTL_S.

        The caller holds the account's row lock (``services.locks.account_lock``), so the epoch read here is
        the current one and no other grant can interleave: the epoch only ever grows."""
        self.worker = worker
        self.lease_epoch += 1
        self.lease_expires_at = (now or timezone.now()) + dt.timedelta(seconds=settings.SESSION_LEASE_TTL_S)
        counters.leases_granted()  # once the caller's transaction commits

    def lease_remaining_ms(self, now: dt.datetime | None = None) -> int:
        """How long the lease still runs: until SESSION_LEASE_TTL_S after the later of its grant and its worker's
        last heartbeat (each heartbeat renews all the worker's leases, backend/fleet/services/leases.py)."""
        ends = [self.lease_expires_at]
        if self.worker is not None and self.worker.last_heartbeat_at is not None:
            ends.append(self.worker.last_heartbeat_at + dt.timedelta(seconds=settings.SESSION_LEASE_TTL_S))
        known = [end for end in ends if end is not None]
        if not known:
            return 0
        return max(0, int((max(known) - (now or timezone.now())).total_seconds() * 1000))

    @property
    def reconnecting(self) -> bool:
        """Coming back by itself, with no new QR: disconnected only because it lost its worker, its lease, its page or
        its connection (RESTARTABLE_REASONS), or opening again from its kept login (authenticated, RESTORE)."""
        if self.status == AccountStatus.DISCONNECTED:
            return self.status_reason in RESTARTABLE_REASONS
        return self.status == AccountStatus.AUTHENTICATED and self.status_reason == StatusReason.RESTORE

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def set_status(self, status: AccountStatus, reason: str = "", *, event_id: str = "") -> bool:
        """Set the status and its reason (not saved) and record the change in the timeline; True if it changed.
        A session no longer linked (it ended, or shows a QR) is no longer being moved."""
        if self.status == status and self.status_reason == reason:
            return False
        if status not in LINKED_STATUSES:
            self.moving = False
        self.status = status
        self.status_reason = reason
        self.status_changed_at = timezone.now()
        AccountStatusChange.objects.create(
            account=self,
            status=status,
            reason=reason,
            event_id=event_id,
            proxy=self.proxy_address,
            whatsapp_web_build=self.whatsapp_web_build,
        )
        log.info("session %s: %s %s", self.session_id, status, reason)
        return True

    def clear_qr(self) -> None:
        """Forget the QR (not saved): a session that is linked, ended or deleted shows none."""
        self.qr_code = ""
        self.qr_expires_at = None

    def qr_is_current(self, now: dt.datetime | None = None) -> bool:
        return bool(
            self.qr_code
            and self.status == AccountStatus.QR_SCANNING
            and self.qr_expires_at
            and self.qr_expires_at > (now or timezone.now())
        )


class AccountStatusChange(models.Model):
    """The account's timeline: one row per status change (the UI's history)."""

    account = models.ForeignKey(WhatsAppAccount, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16, choices=AccountStatus.choices)
    reason = models.CharField(max_length=64, blank=True, default="")
    event_id = models.CharField(max_length=128, blank=True, default="")
    at = models.DateTimeField(default=timezone.now)
    proxy = models.CharField(max_length=270, blank=True, default="", help_text="The session's proxy, host:port.")
    whatsapp_web_build = models.CharField(
        max_length=64, blank=True, default="", help_text="The WhatsApp Web build its session ran."
    )
    # A connect attempt (CREATED, RECONNECT) counts against the workspace's limits unless its proxy failed first.
    charged = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.status} at {self.at:%Y-%m-%d %H:%M:%S}"
