"""The admin of the session workers: register one (its credentials shown once), rotate its key, revoke it, drain it
(its sessions move to the others, no new QR) or let it take sessions again. A worker's URL and capacity are
changed here or with `manage.py worker_register --update`, never by a heartbeat."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse

from backend.fleet import commands
from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import (
    Credentials,
    RegistrationError,
    backend_public_keys,
    worker_check,
    worker_register,
    worker_revoke,
    worker_rotate_key,
    worker_update,
)
from backend.fleet.services.workers import worker_set_draining

DRAIN_BATCH = 3  # sessions moved at once by the admin's drain (manage.py worker_drain --batch chooses)


class WorkerForm(forms.ModelForm):
    public_key = forms.CharField(
        required=False,
        help_text="Optional: the worker's own whpk_ key (made on its machine). Empty: a key pair is made here and its "
        "private half shown once.",
    )

    class Meta:
        model = WorkerNode
        fields = ["id", "base_url", "capacity"]

    def clean(self):
        """The services' own checks (name, URL, capacity, key), said on the form."""
        data = super().clean()
        try:
            worker_check(
                name=data.get("id") or self.instance.pk,
                url=data.get("base_url", ""),
                capacity=data.get("capacity") or 0,
                public_key=data.get("public_key") or None,
            )
        except RegistrationError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(WorkerNode)
class WorkerNodeAdmin(admin.ModelAdmin):
    form = WorkerForm
    list_display = [
        "id", "base_url", "capacity", "reported_sessions", "is_alive", "draining", "revoked_at", "last_heartbeat_at"
    ]  # fmt: skip
    list_filter = ["is_alive", "draining", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["id", "base_url"]
    actions = ["drain", "undrain", "rotate_key", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["id", "public_keys", "revoked_at", "last_heartbeat_at", "is_alive"] if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["id", "base_url", "capacity", "public_key"]
        return ["id", "base_url", "capacity", "public_keys", "revoked_at", "is_alive", "last_heartbeat_at"]

    def save_model(self, request, obj, form, change) -> None:
        """Through the services: a registration makes (or takes) the key; an edit changes the URL and capacity."""
        if change:
            worker_update(name=obj.pk, url=obj.base_url, capacity=obj.capacity)
            return
        request.worker_credentials = worker_register(
            name=obj.pk, url=obj.base_url, capacity=obj.capacity, public_key=form.cleaned_data["public_key"] or None
        )

    def response_add(self, request, obj, post_url_continue=None):
        """The credentials, shown once on this page (never stored in a message or the session)."""
        return self._credentials_page(request, request.worker_credentials)

    def _credentials_page(self, request, credentials: Credentials) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "credentials": credentials,
            "backend_keys": " ".join(backend_public_keys()),
            "back": reverse("admin:fleet_workernode_changelist"),
        }
        return TemplateResponse(request, "fleet/worker_credentials.html", context)

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

    @admin.action(description="Rotate the key (one worker): a new key, shown once; the old one still accepted")
    def rotate_key(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Rotate one worker's key at a time.", level=messages.WARNING)
            return None
        return self._credentials_page(request, worker_rotate_key(name=queryset.get().pk))

    @admin.action(description="Revoke: refuse it from now on; its sessions move to the others (no new QR)")
    def revoke(self, request, queryset) -> None:
        for worker in queryset:
            worker_revoke(name=worker.pk)
        self.message_user(request, f"Revoked {queryset.count()} worker(s): their requests are refused from now on.")
