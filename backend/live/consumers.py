"""The workspace WebSocket: `/ws/workspaces/<id>/`, live account updates for members of that workspace.

Only an authenticated member joins the group ``workspace.<id>``; anyone else is accepted and closed at once
with a code that says why (a close before accepting would reach the browser as a bare HTTP 403):
4401 not logged in, 4403 not a member, 4404 no such workspace. A frame that is not JSON text closes the
socket with 4400 (not JSON) or 4415 (binary). Messages are the ones of messages.py, sent by broadcast.py.

On Redis, every WEBSOCKET_MEMBERSHIP_CHECK_S the socket renews its group memberships; one that was gone (Redis
restarted and lost its groups) means broadcasts were missed, and the socket is closed with 4503, so that the
page opens it again and catches up from the API (channel_layer.py).
"""

from __future__ import annotations

import asyncio
import logging

from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.accounts import selectors
from backend.live.messages import member_group, workspace_group

log = logging.getLogger(__name__)

# Application close codes must be 1000 or 3000-4999 (autobahn, under daphne, refuses 1003 and 1007).
CLOSE_INVALID_PAYLOAD = 4400  # a text frame that is not JSON (or nested too deeply to decode)
CLOSE_UNSUPPORTED_DATA = 4415  # a binary frame: the protocol is JSON text
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_A_MEMBER = 4403
CLOSE_NO_SUCH_WORKSPACE = 4404
CLOSE_UPDATES_MISSED = 4503  # its group memberships were lost (Redis restarted): open again and catch up


@database_sync_to_async
def _admission(user, workspace_id: int) -> int | None:
    """None if ``user`` may join the workspace's group, else the close code."""
    if user is None or not user.is_authenticated:
        return CLOSE_UNAUTHENTICATED
    if not selectors.workspace_exists(workspace_id=workspace_id):
        return CLOSE_NO_SUCH_WORKSPACE
    if selectors.membership_for(user=user, workspace_id=workspace_id) is None:
        return CLOSE_NOT_A_MEMBER
    return None


class NoSuchRouteConsumer(AsyncJsonWebsocketConsumer):
    """Any other WebSocket path (``/ws/workspaces/abc/``): refused at the handshake (HTTP 403), where the
    router alone would raise and daphne answer 500."""

    async def connect(self) -> None:
        await self.close()


class WorkspaceConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: tuple[str, ...] = ()
    membership_keeper: asyncio.Task | None = None
    # Set once a close is under way, from our side or the peer's: frames still queued (a ping behind the
    # garbage that closed the socket) and broadcasts still arriving are dropped, not sent on a closing socket
    # (daphne raises, and logs an ERROR with a traceback).
    closing: bool = False

    async def connect(self) -> None:
        workspace_id = int(self.scope["url_route"]["kwargs"]["workspace_id"])
        refusal = await _admission(self.scope.get("user"), workspace_id)
        await self.accept()
        if refusal is not None:
            log.info("websocket for workspace %s refused with %s", workspace_id, refusal)
            await self.close(code=refusal)
            return
        self.groups_joined = (workspace_group(workspace_id), member_group(self.scope["user"].pk, workspace_id))
        for group in self.groups_joined:
            await self._join(group)
        await self.send_json({"type": "hello", "workspace_id": workspace_id})
        if hasattr(self.channel_layer, "group_keep"):
            self.membership_keeper = asyncio.create_task(self._keep_memberships())

    async def _keep_memberships(self) -> None:
        """Renew the memberships now and then; close the socket once one was lost, or Redis cannot renew it."""
        while True:
            await asyncio.sleep(settings.WEBSOCKET_MEMBERSHIP_CHECK_S)
            try:
                kept = [await self.channel_layer.group_keep(group, self.channel_name) for group in self.groups_joined]
            except RedisConnectionError as error:
                log.warning("websocket %s: memberships not renewed (%s), closing it", self.channel_name, error)
                break
            if not all(kept):
                log.warning("websocket %s: its group memberships were lost (Redis restarted?), closing it so that "
                            "the page catches up", self.channel_name)  # fmt: skip
                break
        self.membership_keeper = None
        await self.close(code=CLOSE_UPDATES_MISSED)

    async def _join(self, group: str, attempts: int = 3) -> None:
        """Join a group, again on a broken Redis connection: after a restart of Redis the layer's pool still
        holds connections Redis closed, and each failure drops one, so a later attempt gets a fresh one."""
        for attempt in range(1, attempts + 1):
            try:
                await self.channel_layer.group_add(group, self.channel_name)
                return
            except RedisConnectionError:
                if attempt == attempts:
                    raise
                log.warning("websocket: joining %s failed on a broken Redis connection, attempt %d", group, attempt)

    async def _leave_groups(self) -> None:
        if self.membership_keeper is not None:
            self.membership_keeper.cancel()
            self.membership_keeper = None
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = ()

    async def disconnect(self, code: int) -> None:
        await self._leave_groups()

    async def membership_revoked(self, event: dict) -> None:
        await self._leave_groups()
        await self.close(code=CLOSE_NOT_A_MEMBER)

    async def send_json(self, content, close=False) -> None:
        # Every message of this consumer goes out here (channels' send_json calls the base class's send, past
        # any override of send).
        if self.closing:
            return
        try:
            await super().send_json(content, close)
        except Disconnected:  # the peer's close reached daphne's protocol before its disconnect reached us
            self.closing = True

    async def close(self, code=None, reason=None) -> None:
        if self.closing:
            return
        self.closing = True
        await super().close(code=code, reason=reason)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Close with a code that says why on a frame that is not JSON text (the base class would raise,
        and daphne would log a traceback and close with 1011)."""
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self.close(code=CLOSE_INVALID_PAYLOAD)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def account_event(self, event: dict) -> None:
        await self.send_json(event["message"])
