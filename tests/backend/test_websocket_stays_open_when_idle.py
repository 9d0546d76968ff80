"""An idle workspace WebSocket stays joined: the Redis channel layer's blocking read must not time out
(redis-py 8 defaults to a 5 s socket timeout, which closed every idle socket; django/channels_redis#422)."""

import asyncio

import pytest
from channels.db import database_sync_to_async as sync_to_async

from backend.accounts.services.linking import account_connect
from tests.backend.test_websocket_isolation import joined
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_socket_idle_past_the_redis_clients_default_timeout_still_gets_updates(owner, workspace):
    socket = await joined(workspace.pk, owner)
    await asyncio.sleep(6.5)  # past redis-py's 5 s default socket timeout
    assert await socket.receive_nothing(timeout=0.2), "the socket must still be open and quiet"

    account = await sync_to_async(make_account)(workspace, phone_number="4915100000042")
    await sync_to_async(account_connect)(account_id=account.pk, phone_number="4915100000042")
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "status_changed"
    await socket.disconnect()
