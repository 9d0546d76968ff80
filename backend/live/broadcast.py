"""Live updates to the workspace's WebSocket group, sent only after the transaction commits.

The messages are messages.py's; the consumer (consumers.py) forwards each as is to every socket in
``workspace.<id>``.

Sync code (views, Celery tasks) sends through one event loop per process that lives on a thread of its own
(:class:`_SendLoop`): channels_redis keeps its Redis connections per event loop, so ``async_to_sync`` from a
plain thread, which makes a new loop per call, paid for a new loop and a new Redis connection per commit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.db import transaction

from backend.live.messages import (
    IncidentMessageType,
    MessageType,
    account_message,
    member_group,
    workspace_group,
)

log = logging.getLogger(__name__)


def membership_revoked(*, user_id: int, workspace_id: int) -> None:
    """After commit, close the user's sockets on the workspace (4403)."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            _run(layer, layer.group_send(member_group(user_id, workspace_id), {"type": "membership.revoked"}))

    transaction.on_commit(send, robust=True)


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
            # A new layer object (only when settings change, as tests do): the old one's connections are closed
            # (its public close_pools(); they were opened on this loop).
            if self._layer is not None:
                await self._layer.close_pools()
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


def announce_incident(kind: IncidentMessageType, incident: dict[str, Any], workspace_ids: list[int]) -> None:
    """Queue ``kind`` about ``incident`` (as ``incidents.selectors.incident_for_page`` gives it) to each of the
    workspaces, for after the current transaction commits."""

    def send() -> None:
        for workspace_id in workspace_ids:
            _send(workspace_id, [{"type": str(kind), "workspace_id": workspace_id, "incident": incident}])

    if workspace_ids:
        transaction.on_commit(send, robust=True)
