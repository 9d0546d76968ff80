"""The Redis channel layer (channels_redis), riding out a restart of Redis.

Once Redis has restarted, every connection channels_redis keeps in its pools is dead, and the first command on
each fails with ``ConnectionError``. Here the first such error drops every idle connection of the pool (they
are all dead alike; the ones in use fail on their own), so later calls open fresh ones, and a call that sends
(``send``, ``group_add``, ``group_discard``, ``group_send``) is made again, a few times: a dead connection fails
before the new server has read anything. A receive is not made again: a WebSocket consumer whose receive
fails is closed, and the page opens its socket again and catches up from the API, which is right, since its
group memberships and the messages of the outage are gone with the old server. A Redis that is really down
still fails every call, after about a second.

A restarted Redis has also lost every group: a WebSocket whose receive came through the restart (redis-py
reconnects a blocking read on its own) would stay open and hear nothing. ``group_keep`` renews a membership
and says whether it was still there; the workspace consumer calls it every WEBSOCKET_MEMBERSHIP_CHECK_S and
closes a socket whose membership was gone, so that the page opens it again and catches up (consumers.py). It
also keeps a socket open longer than the group expiry (a day) in its group.

The one adapter of a dependency's insides (docs/architecture.md): channels_redis has no public API for either, so
this module alone uses its connections per shard and the key of a group (``_group_key``). channels_redis is pinned
(requirements.lock); tests/backend/test_the_channel_layer_rides_out_a_redis_restart.py and
test_a_websocket_that_lost_its_groups_is_closed.py fail if an upgrade changes what it relies on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError

log = logging.getLogger(__name__)

ATTEMPTS = 4
PAUSE_S = 0.1  # before attempt n, n x this: about a second in all when Redis is really down


def _made_again(name: str) -> Callable[..., Awaitable[Any]]:
    """The channel layer's ``name``, made again on a fresh connection when Redis went away (``_again``)."""

    async def call(self: ChannelLayer, *args: Any) -> Any:
        method = getattr(super(ChannelLayer, self), name)
        return await self._again(name, lambda: method(*args))

    call.__name__ = name
    return call


class ChannelLayer(RedisChannelLayer):
    async def _drop_idle_connections(self) -> None:
        for index in range(self.ring_size):
            await self.connection(index).connection_pool.disconnect(inuse_connections=False)

    async def _again(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await call()
            except RedisConnectionError as error:
                await self._drop_idle_connections()
                if attempt == ATTEMPTS:
                    raise
                log.warning("channel layer: %s failed (%s), trying again on a fresh connection", what, error)
                await asyncio.sleep(PAUSE_S * attempt)
        raise AssertionError("unreachable")

    async def receive_single(self, channel):
        try:
            return await super().receive_single(channel)
        except RedisConnectionError:
            await self._drop_idle_connections()
            raise

    async def group_keep(self, group: str, channel: str) -> bool:
        """Renew ``channel``'s membership of ``group`` (as ``group_add`` does); False when it was no longer a
        member (Redis lost its groups, or the membership expired): messages to the group were missed."""
        assert self.require_valid_group_name(group), "Group name not valid"
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        key = self._group_key(group)

        async def renew() -> bool:
            connection = self.connection(self.consistent_hash(group))
            added = await connection.zadd(key, {channel: time.time()})
            await connection.expire(key, self.group_expiry)
            return added == 0

        return await self._again("group_keep", renew)

    send = _made_again("send")
    group_add = _made_again("group_add")
    group_discard = _made_again("group_discard")
    group_send = _made_again("group_send")
