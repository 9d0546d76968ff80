"""Output and input serializers of the API (no logic: writes go through services/). The account itself is
backend/accounts/serializers.py's."""

from __future__ import annotations

from rest_framework import serializers

from backend.accounts.models import Workspace
from backend.accounts.phone_numbers import PhoneNumberInvalid, phone_number_parse
from backend.accounts.serializers import AccountSerializer, StatusChangeSerializer


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True, help_text="The requesting user's role: owner, admin or member.")

    class Meta:
        model = Workspace
        fields = ["id", "name", "role", "created_at"]


class AccountDetailSerializer(AccountSerializer):
    history = StatusChangeSerializer(many=True, read_only=True, source="status_changes")

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "history"]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    detail = serializers.CharField(required=False)


class LimitReachedSerializer(ErrorSerializer):
    """429: ``error`` is "limit_reached"; ``detail`` says which limit and when it frees, for people."""

    limit = serializers.ChoiceField(choices=["accounts", "connects_per_hour", "connects_per_day"])
    setting = serializers.CharField(help_text="The setting of the limit's default, e.g. WORKSPACE_CONNECTS_PER_HOUR.")
    retry_after = serializers.IntegerField(allow_null=True, help_text="Seconds; null for the account limit.")
    frees_at = serializers.DateTimeField(allow_null=True)


class WhatsAppWebChangedSerializer(ErrorSerializer):
    """409: ``error`` is "whatsapp_web_changed" (or "conflict"); ``detail`` names the build and the changed members."""

    incident_id = serializers.IntegerField(required=False, help_text="The open incident (whatsapp_web_changed).")


class PairingCodeRequestSerializer(serializers.Serializer):
    phone_number = serializers.CharField(
        allow_blank=True,  # said by validate_phone_number, with what to enter
        max_length=40,
        help_text='The phone number as people write it, with its country code: "+55 11 99999-0000", "5511999990000".',
    )

    def validate_phone_number(self, value: str) -> str:
        """E.164 digits without "+"; a number that cannot be one says why."""
        try:
            return phone_number_parse(value)
        except PhoneNumberInvalid as exc:
            raise serializers.ValidationError(str(exc)) from None


class PairingCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
