"""The admin of the session workers: their heartbeats, capacity and state; drain one (its sessions move to the
others, no new QR) or let it take sessions again."""

from __future__ import annotations

from django.contrib import admin

from backend.fleet import commands
from backend.fleet.models import WorkerNode
from backend.fleet.services.workers import worker_set_draining

DRAIN_BATCH = 3  # sessions moved at once by the admin's drain (manage.py worker_drain --batch chooses)


@admin.register(WorkerNode)
class WorkerNodeAdmin(admin.ModelAdmin):
    list_display = ["id", "base_url", "capacity", "reported_sessions", "is_alive", "draining", "last_heartbeat_at"]
    list_filter = ["is_alive", "draining"]
    search_fields = ["id", "base_url"]
    actions = ["drain", "undrain"]

    @admin.action(description="Drain: move every session to other workers (no new QR), take no new ones")
    def drain(self, request, queryset) -> None:
        for worker in queryset:
            worker_set_draining(worker_id=worker.pk, draining=True)
            commands.send(commands.WORKER_DRAIN, worker_id=worker.pk, batch=DRAIN_BATCH)
        self.message_user(request, f"Draining {queryset.count()} worker(s): their sessions move a few at a time.")

    @admin.action(description="Stop draining: take new sessions again")
    def undrain(self, request, queryset) -> None:
        for worker in queryset:
            worker_set_draining(worker_id=worker.pk, draining=False)
        self.message_user(request, f"{queryset.count()} worker(s) take new sessions again.")
