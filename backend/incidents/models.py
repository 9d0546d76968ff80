"""WhatsApp Web as the sessions found it: each build they booted clean on, each report of a page that lacks what
the worker needs, the incidents those reports open when several workspaces see the same change, and the build an
operator pinned (docs/operations.md "When WhatsApp Web changes")."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class WhatsAppWebBuild(models.Model):
    """A build some session's page booted clean on (``session_booted``): a known-good build an operator may pin."""

    build = models.CharField(max_length=64, unique=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    sessions_booted = models.PositiveIntegerField(default=0, help_text="Clean boots reported on this build.")

    class Meta:
        verbose_name = "WhatsApp Web build"
        verbose_name_plural = "WhatsApp Web builds"
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.build


class PageSignature(models.Model):
    """One set of changes (a stable hash of the sorted changes): its row is what concurrent reports of the same
    changes lock, so that they count each other and open one incident."""

    signature = models.CharField(max_length=64, unique=True)
    changes = models.JSONField(default=list)
    first_seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.signature[:12]


class IncidentKind(models.TextChoices):
    PAGE_CHANGED = "page_changed"


class Incident(models.Model):
    """Sessions of several workspaces found the same change within INCIDENT_WINDOW_S: one incident, open until a
    session boots clean again (or staff close it)."""

    kind = models.CharField(max_length=32, choices=IncidentKind.choices, default=IncidentKind.PAGE_CHANGED)
    signature = models.CharField(max_length=64)
    build = models.CharField(max_length=64, help_text="The build the first reports were about.")
    changes = models.JSONField(default=list)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True, default="", help_text="A clean boot's build, or staff.")

    class Meta:
        ordering = [models.F("closed_at").desc(nulls_first=True), "-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["signature"], condition=Q(closed_at__isnull=True), name="incident_one_open_per_signature"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} WhatsApp Web build {self.build} changed"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def members(self) -> str:
        """The changes for people: "WAWebCmd missing module, WAWebSocketModel.Socket.state changed"."""
        return ", ".join(change_words(change) for change in self.changes)

    @property
    def detail(self) -> str:
        """What users are told (the banner, a refused Connect)."""
        return (
            f"WhatsApp Web changed (build {self.build}): {self.members}. Your linked accounts reconnect by themselves "
            "once it is fixed; no new scan is needed. New connections are paused until then."
        )


def change_words(change: dict) -> str:
    member = change.get("member") or ""
    where = f"{change.get('module', '')}.{member}" if member else change.get("module", "")
    found, expected = change.get("found", ""), change.get("expected", "")
    if found in ("missing", "missing module", "threw"):
        return f"{where} {found}"
    return f"{where} is {found or 'changed'}, not {expected}" if expected else f"{where} changed"


class PageChangeReport(models.Model):
    """A session's page booted without the surface the worker needs (``session_page_changed``)."""

    account = models.ForeignKey("accounts.WhatsAppAccount", on_delete=models.CASCADE, related_name="page_changes")
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="page_changes")
    session_id = models.CharField(max_length=64)
    build = models.CharField(max_length=64)
    signature = models.ForeignKey(PageSignature, on_delete=models.CASCADE, related_name="reports")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["signature", "at"], name="page_change_signature_at")]

    def __str__(self) -> str:
        return f"{self.session_id}: build {self.build} changed at {self.at:%Y-%m-%d %H:%M:%S}"


class WhatsAppWebPin(models.Model):
    """The build the workers load instead of the live page (one row at most; none: the live page)."""

    build = models.CharField(max_length=64)
    pinned_at = models.DateTimeField(default=timezone.now)
    pinned_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        verbose_name = "WhatsApp Web pin"
        verbose_name_plural = "WhatsApp Web pin"

    def __str__(self) -> str:
        return f"pinned to {self.build}"
