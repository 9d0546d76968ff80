"""The inbox: every verified event a worker sent, once, with what came of it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class EventOutcome(models.TextChoices):
    APPLIED = "applied"
    STALE = "stale"  # older than the account's last applied (epoch, sequence): recorded, not applied
    STALE_EPOCH = "stale_epoch"  # from a lease the session no longer has (answered 409): recorded, not applied
    IGNORED = "ignored"  # unknown type, or nothing to apply it to
    UNKNOWN_SESSION = "unknown_session"


class WebhookEvent(models.Model):
    """The inbox: every verified event, once (the event id is unique)."""

    event_id = models.CharField(max_length=128, unique=True)
    type = models.CharField(max_length=64)
    session_id = models.CharField(max_length=128, blank=True, default="")
    workspace_id = models.CharField(max_length=128, blank=True, default="")
    worker_id = models.CharField(max_length=128)
    epoch = models.BigIntegerField(default=0)
    sequence = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=EventOutcome.choices, blank=True, default="")
    detail = models.CharField(max_length=256, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["session_id", "received_at"], name="event_session_received")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
