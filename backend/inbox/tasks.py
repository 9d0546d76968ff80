"""Celery tasks of the inbox: the beat job that forgets old events."""

from __future__ import annotations

from celery import shared_task

from backend.inbox import services


@shared_task(name="webhook_events_prune")
def webhook_events_prune() -> int:
    return services.webhook_events_prune()
