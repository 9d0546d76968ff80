"""A restarted Redis has lost every channel group, and a WebSocket whose receive came through the restart stayed
open and deaf (the Redis-restart test on the live stack saw it: no broadcast ever reached that page again). Each
socket now renews its memberships every WEBSOCKET_MEMBERSHIP_CHECK_S (backend/live/channel_layer.py ``group_keep``)
and is closed with 4503 once one was gone, so that the page opens it again and catches up from the API.

Redis losing its groups is played by deleting this test's group keys (what a restart does to them)."""

from __future__ import annotations

import pytest
import redis
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import get_channel_layer

from backend.accounts.services.linking import account_connect
from backend.live.consumers import CLOSE_UPDATES_MISSED
from tests.backend.test_websocket_isolation import joined
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _the_projects_layer(settings, _isolated_redis_keys):
    settings.CHANNEL_LAYERS = {
        "default": {**settings.CHANNEL_LAYERS["default"], "BACKEND": "backend.live.channel_layer.ChannelLayer"}
    }
    settings.WEBSOCKET_MEMBERSHIP_CHECK_S = 1


def _forget_the_groups(settings, prefix: str) -> int:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:channels:group:*"))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


async def test_group_keep_says_whether_the_membership_was_still_there(settings, _isolated_redis_keys):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("workspace.7", channel)
    assert await layer.group_keep("workspace.7", channel) is True
    assert await sync_to_async(_forget_the_groups)(settings, _isolated_redis_keys) == 1
    assert await layer.group_keep("workspace.7", channel) is False
    assert await layer.group_keep("workspace.7", channel) is True  # renewed: a member again


async def test_a_socket_whose_groups_were_lost_is_closed_so_the_page_catches_up(
    owner, workspace, settings, _isolated_redis_keys
):
    socket = await joined(workspace.pk, owner)
    assert await socket.receive_nothing(timeout=2.5), "memberships still there: the socket stays open and quiet"

    assert await sync_to_async(_forget_the_groups)(settings, _isolated_redis_keys) == 2  # workspace and member
    closing = await socket.receive_output(timeout=10)
    assert closing == {"type": "websocket.close", "code": CLOSE_UPDATES_MISSED}
    await socket.disconnect()


async def test_a_socket_opened_again_gets_the_broadcasts(owner, workspace, settings, _isolated_redis_keys):
    await sync_to_async(_forget_the_groups)(settings, _isolated_redis_keys)
    socket = await joined(workspace.pk, owner)
    account = await sync_to_async(make_account)(workspace, phone_number="4915100000043")
    await sync_to_async(account_connect)(account_id=account.pk, phone_number="4915100000043")
    assert (await socket.receive_json_from(timeout=5))["type"] == "status_changed"
    while not await socket.receive_nothing(timeout=2.5):  # the connect's other messages, then 2.5 s quiet
        assert (await socket.receive_output(timeout=1))["type"] == "websocket.send", "its memberships were kept"
    await socket.disconnect()
