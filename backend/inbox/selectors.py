"""Reads of the inbox: when sessions sent their events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Max, Min

from backend.inbox.models import WebhookEvent


def sessions_first_events(*, session_ids: Iterable[str], types: Iterable[str]) -> list[tuple[str, str, dt.datetime]]:
    """(session id, event type, when it first arrived) for each of ``types`` each session sent."""
    rows = (
        WebhookEvent.objects.filter(session_id__in=list(session_ids), type__in=list(types))
        .values("session_id", "type")
        .annotate(first=Min("received_at"))
        .values_list("session_id", "type", "first")
    )
    return list(rows)


def sessions_last_event(*, session_ids: Iterable[str]) -> dict[str, dt.datetime]:
    """When each session's last event arrived (sessions that sent none are absent)."""
    rows = (
        WebhookEvent.objects.filter(session_id__in=list(session_ids))
        .values("session_id")
        .annotate(last=Max("received_at"))
        .values_list("session_id", "last")
    )
    return dict(rows)
