"""Redis restarted under the channel layer (backend/live/channel_layer.py): the pooled connections are all dead, and
the first call on one failed, so a broadcast or a new WebSocket's group_add right after the restart was lost.
Now a call that sends is made again on a fresh connection and works; a receive that was waiting when Redis went
away still fails (its consumer is closed and the page opens its socket again and catches up from the API: its
group memberships are gone with the old server)."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.live.channel_layer import ChannelLayer
from tests.reliability.private_services import private_redis

pytestmark = pytest.mark.xdist_group("private-services")


async def send_five_at_once(layer: ChannelLayer) -> None:
    """Five group sends at once: they take five connections of the pool."""
    await asyncio.gather(*(layer.group_send("workspace.1", {"type": "account.event", "n": n}) for n in range(5)))


async def test_sends_after_a_restart_work_and_a_waiting_receive_fails():
    with private_redis() as server:
        layer = ChannelLayer(hosts=[{"address": server.url, "socket_timeout": None}])
        try:
            listening = await layer.new_channel()
            await layer.group_add("workspace.1", listening)
            await send_five_at_once(layer)
            assert sorted([(await layer.receive(listening))["n"] for _ in range(5)]) == list(range(5))  # 5 pooled
            waiting = asyncio.ensure_future(layer.receive(listening))
            await asyncio.sleep(0.3)

            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(server.start)

            with pytest.raises(RedisConnectionError):
                await asyncio.wait_for(waiting, 10)
            reconnected = await layer.new_channel()
            await layer.group_add("workspace.1", reconnected)
            await send_five_at_once(layer)
            got = [(await asyncio.wait_for(layer.receive(reconnected), 10))["n"] for _ in range(5)]
            assert sorted(got) == list(range(5))
        finally:
            await layer.flush()
