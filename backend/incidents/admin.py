"""Staff see the incidents (open first) and close one by hand, the builds sessions booted clean on, and set or clear
the pinned build. Writes go through the services (they log, broadcast and keep one pin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from backend.incidents import services
from backend.incidents.models import Incident, WhatsAppWebBuild, WhatsAppWebPin
from backend.incidents.selectors import incident_affected
from shared.payloads import BUILD_RE


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "build", "members", "workspaces", "sessions", "opened_at", "closed_at", "closed_by"]
    list_filter = ["kind", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["build", "signature"]
    readonly_fields = [f.name for f in Incident._meta.fields] + ["members", "workspaces", "sessions"]
    actions = ["close"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="changes")
    def members(self, incident: Incident) -> str:
        return incident.members

    @admin.display(description="workspaces affected")
    def workspaces(self, incident: Incident) -> int:
        return incident_affected(incident_id=incident.pk)[0]

    @admin.display(description="sessions affected")
    def sessions(self, incident: Incident) -> int:
        return incident_affected(incident_id=incident.pk)[1]

    @admin.action(description="Close (Connect starts sessions again)")
    def close(self, request, queryset) -> None:
        closed = 0
        for incident in queryset.filter(closed_at__isnull=True):
            closed += services.incident_close(incident_id=incident.pk, by=f"staff {request.user}") is not None
        self.message_user(request, f"Closed {closed} incident(s).", level=messages.SUCCESS)


@admin.register(WhatsAppWebBuild)
class WhatsAppWebBuildAdmin(admin.ModelAdmin):
    list_display = ["build", "sessions_booted", "first_seen_at", "last_seen_at"]
    search_fields = ["build"]
    readonly_fields = ["build", "sessions_booted", "first_seen_at", "last_seen_at"]
    actions = ["pin"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Pin this build (sessions load it instead of the live page)")
    def pin(self, request, queryset) -> None:
        build = queryset.order_by("-last_seen_at").first()
        if build is not None:
            services.whatsapp_web_pin_set(build=build.build, by=f"staff {request.user}")
            self.message_user(request, f"Pinned {build.build}.", level=messages.SUCCESS)


class PinForm(forms.ModelForm):
    class Meta:
        model = WhatsAppWebPin
        fields = ["build"]

    def clean_build(self) -> str:
        build = self.cleaned_data["build"].strip()
        if not BUILD_RE.fullmatch(build):
            raise forms.ValidationError("Not a WhatsApp Web build (letters, digits, '.', '_', '-'; 64 at most).")
        return build


@admin.register(WhatsAppWebPin)
class WhatsAppWebPinAdmin(admin.ModelAdmin):
    """One row at most: adding one pins its build (replacing any pin), deleting it unpins."""

    form = PinForm
    list_display = ["build", "pinned_at", "pinned_by", "known_good"]

    @admin.display(boolean=True, description="booted clean here")
    def known_good(self, pin: WhatsAppWebPin) -> bool:
        return WhatsAppWebBuild.objects.filter(build=pin.build).exists()

    def save_model(self, request, obj: WhatsAppWebPin, form: PinForm, change: bool) -> None:
        saved = services.whatsapp_web_pin_set(build=form.cleaned_data["build"], by=f"staff {request.user}")
        obj.pk, obj.pinned_at, obj.pinned_by = saved.pk, saved.pinned_at, saved.pinned_by
        if not WhatsAppWebBuild.objects.filter(build=saved.build).exists():
            self.message_user(request, f"No session booted clean on {saved.build} here.", level=messages.WARNING)

    def delete_model(self, request, obj: WhatsAppWebPin) -> None:
        services.whatsapp_web_pin_clear(by=f"staff {request.user}")

    def delete_queryset(self, request, queryset) -> None:
        services.whatsapp_web_pin_clear(by=f"staff {request.user}")
