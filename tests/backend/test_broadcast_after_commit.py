"""Broadcasts leave only when the transaction commits: a rolled-back change reaches no socket."""

import asyncio

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connection
from channels.layers import get_channel_layer
from django.db import transaction

from backend.accounts.services.linking import account_authenticate, account_connect
from backend.live.messages import workspace_group
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db(transaction=True)


class Abort(Exception):
    pass


def connect_then_abort(account_id: int) -> None:
    with transaction.atomic():
        account_connect(account_id=account_id, phone_number="4915100000001")
        raise Abort


async def test_a_rolled_back_change_is_not_broadcast_and_a_committed_one_is(workspace):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(workspace_group(workspace.pk), channel)
    account = await sync_to_async(make_account)(workspace)

    with pytest.raises(Abort):
        await sync_to_async(connect_then_abort)(account.pk)
    await sync_to_async(account_authenticate)(account_id=account.pk)

    message = await asyncio.wait_for(layer.receive(channel), timeout=10)
    assert message["message"]["type"] == "status_changed"
    assert message["message"]["account"]["status"] == "authenticated"  # not the rolled-back "connected"
    await layer.group_discard(workspace_group(workspace.pk), channel)
