"""Live updates to the workspace's WebSocket group, sent only after the transaction commits.

A message is ``{"type": <MessageType>, "workspace_id": <id>, "account": <the account's state>}``
(:class:`AccountMessageSerializer`, docs/backend.md "WebSocket"); the consumer forwards it as is to every
socket in ``workspace.<id>``. A QR travels as its string (``account.qr``): drawing it is no part of applying an
event, and the page fetches its SVG from the API (``qr.svg``) when it shows it.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from rest_framework import serializers

from backend.accounts.api.serializers import AccountSerializer

log = logging.getLogger(__name__)


class MessageType(enum.StrEnum):
    """What happened to the account a message carries."""

    QR_CODE_GENERATED = "qr_code_generated"
    STATUS_CHANGED = "status_changed"  # also announces a new account
    SYNC_PROGRESS = "sync_progress"  # the linked phone's history sync moved on (``sync_percent``)
    PHONE_NUMBER_UPDATED = "phone_number_updated"
    PRIMARY_CHANGED = "primary_changed"  # one message per account whose flag changed
    ACCOUNT_DELETED = "account_deleted"


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


def workspace_group(workspace_id: int | str) -> str:
    return f"workspace.{workspace_id}"


def member_group(user_id: int, workspace_id: int | str) -> str:
    """One user's sockets on one workspace: closed when the membership ends."""
    return f"member.{user_id}.{workspace_id}"


def membership_revoked(*, user_id: int, workspace_id: int) -> None:
    """After commit, close the user's sockets on the workspace (4403)."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(member_group(user_id, workspace_id), {"type": "membership.revoked"})

    transaction.on_commit(send, robust=True)


async def _send_all(layer, group: str, messages: list[dict[str, Any]]) -> None:
    for message in messages:
        await layer.group_send(group, {"type": "account.event", "message": message})


def _send(workspace_id: int, messages: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        # One trip into async code per commit: each async_to_sync call from a plain thread costs a few ms.
        async_to_sync(_send_all)(layer, workspace_group(workspace_id), messages)


def announce(account, *kinds: MessageType) -> None:
    """Queue ``kinds`` about ``account`` (its state as of now) for after the current transaction commits."""
    if not kinds:
        return
    messages = [
        AccountMessageSerializer({"type": kind, "workspace_id": account.workspace_id, "account": account}).data
        for kind in kinds
    ]
    workspace_id = account.workspace_id
    log.debug("announce %s for session %s", ",".join(kinds), account.session_id)
    transaction.on_commit(lambda: _send(workspace_id, messages), robust=True)
