"""The messages of the workspace WebSocket: ``{"type": <MessageType>, "workspace_id": <id>, "account": <the
account's state>}``, and the Channels groups they go to.

:class:`AccountMessageSerializer` is the format (docs/backend.md "WebSocket", the API schema); :func:`account_message`
builds the same message as a plain dict, for a fraction of the serializer's cost. A QR travels as its string
(``account.qr``): the page fetches its SVG from the API (``qr.svg``) when it shows it.
"""

from __future__ import annotations

import enum
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from backend.accounts.phone_numbers import phone_number_display
from backend.accounts.serializers import AccountSerializer


class MessageType(enum.StrEnum):
    """What happened to the account a message carries."""

    QR_CODE_GENERATED = "qr_code_generated"
    STATUS_CHANGED = "status_changed"  # also announces a new account
    SYNC_PROGRESS = "sync_progress"  # the linked phone's history sync moved on (``sync_percent``)
    PHONE_NUMBER_UPDATED = "phone_number_updated"
    PRIMARY_CHANGED = "primary_changed"  # one message per account whose flag changed
    ACCOUNT_DELETED = "account_deleted"


class IncidentMessageType(enum.StrEnum):
    """An incident (backend/incidents/) that affects the workspace opened or closed: ``{"type", "workspace_id",
    "incident": {"id", "kind", "build", "members", "detail", "opened_at", "closed_at"}}``; the page shows or
    hides its banner."""

    INCIDENT_OPENED = "incident_opened"
    INCIDENT_CLOSED = "incident_closed"


class MessageAccountSerializer(AccountSerializer):
    """The account in a message: its state as of the commit that sent it. The same fields as the API's
    account today (the page renders both with one function), in a class of its own so that the WebSocket's
    format changes only on purpose."""

    class Meta(AccountSerializer.Meta):
        pass


class AccountMessageSerializer(serializers.Serializer):
    """One message on the workspace's WebSocket."""

    type = serializers.ChoiceField(choices=[t.value for t in MessageType])
    workspace_id = serializers.IntegerField()
    account = MessageAccountSerializer()


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    build = serializers.CharField()
    members = serializers.CharField(help_text='The changes for people: "WAWebCmd missing module, ...".')
    detail = serializers.CharField(help_text="The sentence the page shows.")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class IncidentMessageSerializer(serializers.Serializer):
    """An incident's message on the workspace's WebSocket."""

    type = serializers.ChoiceField(choices=[t.value for t in IncidentMessageType])
    workspace_id = serializers.IntegerField()
    incident = IncidentSerializer()


def workspace_group(workspace_id: int | str) -> str:
    return f"workspace.{workspace_id}"


def member_group(user_id: int, workspace_id: int | str) -> str:
    """One user's sockets on one workspace: closed when the membership ends."""
    return f"member.{user_id}.{workspace_id}"


def account_message(kind: MessageType, account) -> dict[str, Any]:
    """The message about ``account`` (its state as of now): what :class:`AccountMessageSerializer` gives, key
    for key and value for value, built directly (tests/backend/test_a_message_is_built_without_the_serializer.py
    compares them). Keep the two in step: a field added to one belongs in the other."""
    return {
        "type": str(kind),
        "workspace_id": account.workspace_id,
        "account": {
            "id": account.pk,
            "workspace_id": account.workspace_id,
            "session_id": account.session_id,
            "status": str(account.status),
            "status_reason": account.status_reason,
            "status_changed_at": _datetime(account.status_changed_at),
            "phone_number": account.phone_number,
            "phone_number_display": phone_number_display(account.phone_number),
            "push_name": account.push_name,
            "platform": account.platform,
            "is_primary": account.is_primary,
            "qr": account.qr_code or None,
            "qr_count": account.qr_count,
            "qr_expires_at": _datetime(account.qr_expires_at),
            "sync_percent": account.sync_percent,
            "worker_id": account.worker_id,
            "moving": account.moving,
            "reconnecting": account.reconnecting,
            "proxy": account.proxy_address or None,
            "whatsapp_web_build": account.whatsapp_web_build or None,
            "connected_at": _datetime(account.connected_at),
            "created_at": _datetime(account.created_at),
            "updated_at": _datetime(account.updated_at),
            "deleted": account.deleted_at is not None,
        },
    }


def _datetime(value) -> str | None:
    """As DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as "Z"."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
