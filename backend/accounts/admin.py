"""The admin of workspaces, members and accounts: filterable by status and workspace, searchable by phone number
and session; an account changes only through the services (its actions)."""

from __future__ import annotations

from django.contrib import admin, messages

from backend.accounts.errors import ServiceError
from backend.accounts.models import AccountStatusChange, Membership, WhatsAppAccount, Workspace
from backend.accounts.services.endings import account_delete, account_logout
from backend.accounts.services.limits import workspace_limits
from backend.accounts.services.primary import account_set_primary


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    """Staff change a workspace's limits here; an empty field follows the setting's default (docs/operations.md)."""

    list_display = ["id", "name", "limits", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "created_at"]}),
        (
            "Limits",
            {
                "fields": ["max_accounts", "connects_per_hour", "connects_per_day"],
                "description": "Empty: the default of the settings. A connect attempt is a Connect or a Reconnect "
                "(each a new QR code session); over a limit the page and the API say which one and when it frees.",
            },
        ),
    ]

    @admin.display(description="limits (accounts, connects per hour, per day)")
    def limits(self, workspace: Workspace) -> str:
        effective = workspace_limits(workspace=workspace)
        return f"{effective.max_accounts}, {effective.connects_per_hour}/h, {effective.connects_per_day}/day"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["user__username", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]


class StatusChangeInline(admin.TabularInline):
    model = AccountStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["status", "reason", "event_id", "at", "proxy", "whatsapp_web_build"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WhatsAppAccount)
class WhatsAppAccountAdmin(admin.ModelAdmin):
    """Read-only fields: state changes go through the services (the actions below), which keep the
    invariants, record the timeline, broadcast and tell the worker."""

    list_display = [
        "id", "phone_number", "push_name", "workspace", "status", "is_primary", "worker", "lease_epoch", "moving",
        "whatsapp_web_build", "deleted_at",
    ]  # fmt: skip
    list_filter = [
        "status", "is_primary", "moving", "workspace", "worker", ("deleted_at", admin.EmptyFieldListFilter)
    ]  # fmt: skip
    search_fields = ["phone_number", "session_id", "push_name"]
    readonly_fields = [f.name for f in WhatsAppAccount._meta.fields]
    list_select_related = ["workspace", "worker"]
    inlines = [StatusChangeInline]
    actions = ["set_primary", "log_out", "soft_delete"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a hard delete would skip the worker and the primary rule
        return actions

    def _each(self, request, queryset, service, verb: str) -> None:
        done = 0
        for account in queryset:
            try:
                service(account_id=account.pk)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{account}: {exc}", level=messages.WARNING)
        self.message_user(request, f"{verb} {done} account(s).")

    @admin.action(description="Make primary (connected accounts only)")
    def set_primary(self, request, queryset) -> None:
        self._each(request, queryset[:1], account_set_primary, "Made primary")

    @admin.action(description="Log out on WhatsApp")
    def log_out(self, request, queryset) -> None:
        self._each(request, queryset.filter(deleted_at__isnull=True), account_logout, "Logged out")

    @admin.action(description="Delete (log out, soft delete)")
    def soft_delete(self, request, queryset) -> None:
        self._each(request, queryset.filter(deleted_at__isnull=True), account_delete, "Deleted")


@admin.register(AccountStatusChange)
class AccountStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["account", "status", "reason", "whatsapp_web_build", "at"]
    list_filter = ["status"]
    search_fields = ["account__phone_number", "account__session_id", "reason"]
