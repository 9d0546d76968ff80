"""Live updates to the workspace's WebSocket group, sent only after the transaction commits.

A message is ``{"type": <MessageType>, "workspace_id": <id>, "account": <the account's state>}``
(:class:`AccountMessageSerializer` is its format, docs/backend.md "WebSocket"; :func:`account_message` builds
it as a plain dict, the same one, for a fraction of the serializer's cost); the consumer forwards it as is to
every socket in ``workspace.<id>``. A QR travels as its string (``account.qr``): drawing it is no part of
applying an event, and the page fetches its SVG from the API (``qr.svg``) when it shows it.

Sync code (views, Celery tasks) sends through one event loop per process that lives on a thread of its own
(:class:`_SendLoop`): channels_redis keeps its Redis connections per event loop, so ``async_to_sync`` from a
plain thread, which makes a new loop per call, paid for a new loop and a new Redis connection per commit.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import threading
from collections.abc import Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from backend.accounts.api.serializers import AccountSerializer
from backend.accounts.phone_numbers import phone_number_display

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
            _run(layer, layer.group_send(member_group(user_id, workspace_id), {"type": "membership.revoked"}))

    transaction.on_commit(send, robust=True)


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


class _SendLoop:
    """One event loop per process, run by a daemon thread, for sync code's sends to a channels_redis layer.

    channels_redis keeps a connection pool per event loop (and closes it when that loop closes), so sends from
    one long-lived loop reuse their Redis connections, as its maintainers advise for sync senders
    (django/channels_redis#130). The caller still waits for its send to finish, as with ``async_to_sync``:
    a commit's messages leave in order, before its request is answered. Started on first use in each process
    (after gunicorn's or Celery's fork, never inherited from the parent)."""

    TIMEOUT_S = 30.0  # a send waits at most this long for Redis (it raises then; on_commit's robust logs it)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._layer: RedisChannelLayer | None = None

    def run(self, layer: RedisChannelLayer, coroutine: Coroutine) -> Any:
        future = asyncio.run_coroutine_threadsafe(self._on(layer, coroutine), self._running())
        try:
            return future.result(timeout=self.TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            raise

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop, self._pid, self._layer = asyncio.new_event_loop(), os.getpid(), None
                threading.Thread(target=self._loop.run_forever, name="channel-layer-sends", daemon=True).start()
            return self._loop

    async def _on(self, layer: RedisChannelLayer, coroutine: Coroutine) -> Any:
        if layer is not self._layer:
            # A new layer object (only when settings change, as tests do): the old one's connections on this
            # loop are closed, as channels_redis does when a loop closes (utils._wrap_close).
            if self._layer is not None and (old := self._layer._layers.pop(asyncio.get_running_loop(), None)):
                await old.flush()
            self._layer = layer
        return await coroutine


_send_loop = _SendLoop()


def _run(layer, coroutine: Coroutine) -> Any:
    """Run a send to ``layer`` from sync code and wait for it. A channels_redis layer's go through the process's
    send loop; any other layer's (the in-memory one of `make run`, whose queues live on the server's loop)
    through ``async_to_sync``, as before."""
    if isinstance(layer, RedisChannelLayer):
        return _send_loop.run(layer, coroutine)

    async def awaited() -> Any:
        return await coroutine

    return async_to_sync(awaited)()


async def _send_all(layer, group: str, messages: list[dict[str, Any]]) -> None:
    for message in messages:
        await layer.group_send(group, {"type": "account.event", "message": message})


def _send(workspace_id: int, messages: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        _run(layer, _send_all(layer, workspace_group(workspace_id), messages))  # one trip per commit


def announce(account, *kinds: MessageType) -> None:
    """Queue ``kinds`` about ``account`` (its state as of now) for after the current transaction commits."""
    if not kinds:
        return
    messages = [account_message(kind, account) for kind in kinds]
    workspace_id = account.workspace_id
    log.debug("announce %s for session %s", ",".join(kinds), account.session_id)
    transaction.on_commit(lambda: _send(workspace_id, messages), robust=True)
