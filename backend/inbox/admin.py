"""The admin of the inbox: every event a worker sent, read-only."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from backend.inbox.models import WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """The inbox, read-only: what each worker sent, when, and what came of it."""

    list_display = ["received_at", "type", "session_id", "worker_id", "sequence", "outcome", "detail"]
    list_filter = ["outcome", "type", "worker_id"]
    search_fields = ["event_id", "session_id"]
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in WebhookEvent._meta.fields if f.name != "payload"] + ["payload_pretty"]
    exclude = ["payload"]

    @admin.display(description="payload")
    def payload_pretty(self, event: WebhookEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
