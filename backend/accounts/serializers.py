"""An account as clients see it: the API's answers and the WebSocket's messages (backend/live/messages.py) are
both this shape. No logic: writes go through services/."""

from __future__ import annotations

from rest_framework import serializers

from backend.accounts.models import AccountStatusChange, WhatsAppAccount
from backend.accounts.phone_numbers import phone_number_display


class AccountSerializer(serializers.ModelSerializer):
    """An account's current state, as the API answers it (the WebSocket's messages carry
    ``backend.live.messages.MessageAccountSerializer``, which inherits these fields)."""

    workspace_id = serializers.IntegerField(read_only=True)
    worker_id = serializers.CharField(read_only=True, allow_null=True)
    phone_number_display = serializers.SerializerMethodField(
        help_text='The number for people, in its country\'s international format ("+55 11 99999-0000"); "" before '
        "the account is linked."
    )
    qr = serializers.SerializerMethodField(help_text="The raw QR string while one is showing, else null.")
    deleted = serializers.SerializerMethodField()
    moving = serializers.BooleanField(
        read_only=True, help_text="Moving to another worker (its worker died, or is drained): no QR is needed."
    )
    reconnecting = serializers.BooleanField(
        read_only=True,
        help_text="Coming back by itself from its kept login, no QR needed: its worker restarted or was lost, or its "
        "page or connection dropped (the status is then disconnected, or authenticated while it opens again).",
    )

    proxy = serializers.SerializerMethodField(
        help_text="The proxy its session was last started with (host:port; backend/egress/), null when it connects "
        "directly: the page names it, and the proxy a PROXY_UNREACHABLE or PROXY_AUTH_FAILED is about."
    )

    whatsapp_web_build = serializers.SerializerMethodField(
        help_text="The WhatsApp Web build its session's page last booted clean on, null before the first boot."
    )

    class Meta:
        model = WhatsAppAccount
        fields = [
            "id",
            "workspace_id",
            "session_id",
            "status",
            "status_reason",
            "status_changed_at",
            "phone_number",
            "phone_number_display",
            "push_name",
            "platform",
            "is_primary",
            "qr",
            "qr_count",
            "qr_expires_at",
            "sync_percent",
            "worker_id",
            "moving",
            "reconnecting",
            "proxy",
            "whatsapp_web_build",
            "connected_at",
            "created_at",
            "updated_at",
            "deleted",
        ]
        read_only_fields = fields

    def get_phone_number_display(self, account: WhatsAppAccount) -> str:
        return phone_number_display(account.phone_number)

    def get_qr(self, account: WhatsAppAccount) -> str | None:
        return account.qr_code or None

    def get_proxy(self, account: WhatsAppAccount) -> str | None:
        return account.proxy_address or None

    def get_whatsapp_web_build(self, account: WhatsAppAccount) -> str | None:
        return account.whatsapp_web_build or None

    def get_deleted(self, account: WhatsAppAccount) -> bool:
        return account.deleted_at is not None


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountStatusChange
        fields = ["status", "reason", "at", "proxy", "whatsapp_web_build"]
        extra_kwargs = {
            "proxy": {"help_text": 'The proxy its session used (host:port), "" for none.'},
            "whatsapp_web_build": {"help_text": 'The WhatsApp Web build its session ran, "" when not known yet.'},
        }
