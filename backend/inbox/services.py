"""Writes of the inbox besides receiving: pruning what is old."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from backend.inbox.models import WebhookEvent


def webhook_events_prune(*, now: dt.datetime | None = None) -> int:
    """Forget inbox rows older than WEBHOOK_INBOX_RETENTION_DAYS (far beyond any retry of the same id)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.WEBHOOK_INBOX_RETENTION_DAYS)
    deleted, _ = WebhookEvent.objects.filter(received_at__lt=cutoff).delete()
    return deleted
