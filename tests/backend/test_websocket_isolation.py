"""The workspace WebSocket over the Redis channel layer: members get their workspace's updates, nobody
else is let in (4401, 4403, 4404), and nothing of one workspace reaches another's socket."""

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connection
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from backend.accounts.services.linking import account_authenticate, account_connect, account_qr_update
from backend.asgi import application
from tests.backend.testkit import make_account, qr_data

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(workspace_id: int, user=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/workspaces/{workspace_id}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def joined(workspace_id: int, user) -> WebsocketCommunicator:
    communicator = await open_socket(workspace_id, user)
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "workspace_id": workspace_id}
    return communicator


async def refused_with(workspace_id: int, user=None) -> int:
    communicator = await open_socket(workspace_id, user)
    closing = await communicator.receive_output(timeout=5)
    assert closing["type"] == "websocket.close"
    await communicator.disconnect()
    return closing["code"]


async def test_the_channel_layer_is_redis():
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"


async def test_strangers_are_closed_with_a_code_that_says_why(owner, outsider, workspace):
    assert await refused_with(workspace.pk) == 4401
    assert await refused_with(workspace.pk, outsider) == 4403
    assert await refused_with(workspace.pk + 1000, owner) == 4404


async def test_members_receive_their_workspace_updates_and_outsiders_nothing(
    owner, member, outsider, workspace, other_workspace
):
    owner_socket = await joined(workspace.pk, owner)
    member_socket = await joined(workspace.pk, member)
    outsider_socket = await joined(other_workspace.pk, outsider)

    account = await sync_to_async(make_account)(workspace)
    await sync_to_async(account_qr_update)(account_id=account.pk, qr=qr_data()["qr"], qr_count=1, expires_in=60)
    await sync_to_async(account_connect)(account_id=account.pk, phone_number="4915100000001")

    for socket in (owner_socket, member_socket):
        qr = await socket.receive_json_from(timeout=5)
        assert qr["type"] == "qr_code_generated"
        assert qr["account"]["qr"] == qr_data()["qr"]
        assert "qr_svg" not in qr  # drawn on demand (qr.svg), not in the webhook's path
        kinds = [(await socket.receive_json_from(timeout=5))["type"] for _ in range(3)]
        assert kinds == ["status_changed", "phone_number_updated", "primary_changed"]
    assert await outsider_socket.receive_nothing(timeout=0.3)

    for socket in (owner_socket, member_socket, outsider_socket):
        await socket.disconnect()


async def test_each_message_carries_the_accounts_current_state(owner, workspace):
    socket = await joined(workspace.pk, owner)
    account = await sync_to_async(make_account)(workspace, phone_number="4915100000009")
    await sync_to_async(account_connect)(account_id=account.pk, phone_number="4915100000009")
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "status_changed"
    assert message["workspace_id"] == workspace.pk
    state = message["account"]
    assert (state["id"], state["status"], state["phone_number"], state["is_primary"]) == (
        account.pk,
        "connected",
        "4915100000009",
        True,
    )
    await socket.disconnect()


async def test_a_token_in_the_authorization_header_authenticates_too(owner, outsider, workspace):
    from rest_framework.authtoken.models import Token

    async def open_with_token(user) -> WebsocketCommunicator:
        key = (await sync_to_async(Token.objects.create)(user=user)).key
        headers = [(b"authorization", f"Token {key}".encode())]  # a client that is not a browser: no Origin
        communicator = WebsocketCommunicator(application, f"/ws/workspaces/{workspace.pk}/", headers=headers)
        assert (await communicator.connect(timeout=5))[0]
        return communicator

    ours = await open_with_token(owner)
    assert (await ours.receive_json_from(timeout=5))["type"] == "hello"
    theirs = await open_with_token(outsider)
    assert (await theirs.receive_output(timeout=5))["code"] == 4403
    await ours.disconnect()
    await theirs.disconnect()


async def test_a_socket_from_a_foreign_origin_is_refused(owner, workspace):
    headers = [(b"origin", b"https://evil.example")]
    communicator = WebsocketCommunicator(application, f"/ws/workspaces/{workspace.pk}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert not connected


async def test_a_removed_member_is_disconnected_and_gets_nothing_more(owner, member, workspace):
    from backend.accounts.models import Membership

    member_socket = await joined(workspace.pk, member)
    owner_socket = await joined(workspace.pk, owner)
    await sync_to_async(Membership.objects.filter(user=member, workspace=workspace).delete)()
    closing = await member_socket.receive_output(timeout=5)
    assert (closing["type"], closing["code"]) == ("websocket.close", 4403)

    account = await sync_to_async(make_account)(workspace)
    await sync_to_async(account_authenticate)(account_id=account.pk)
    assert (await owner_socket.receive_json_from(timeout=5))["type"] == "status_changed"
    await owner_socket.disconnect()
    await member_socket.disconnect()
