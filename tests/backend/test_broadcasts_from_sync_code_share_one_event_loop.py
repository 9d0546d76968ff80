"""Sync code (gunicorn's request threads, Celery's tasks) sends its broadcasts through one event loop per
process, not a new loop per commit (channels_redis keeps its Redis connections per loop): commits from several
threads all reach the workspace's group, through the same loop, which stays open for the next."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connection
from channels.layers import get_channel_layer
from django.db import close_old_connections

from backend.accounts.services.linking import account_authenticate
from backend.live.messages import workspace_group
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db(transaction=True)


def _authenticate_in_a_thread(account_id: int) -> None:
    def run() -> None:
        try:
            account_authenticate(account_id=account_id)
        finally:
            close_old_connections()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


async def test_commits_from_several_threads_are_sent_through_one_loop(workspace, monkeypatch):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(workspace_group(workspace.pk), channel)
    loops: list[asyncio.AbstractEventLoop] = []
    group_send = layer.group_send

    async def recording_group_send(group, message):
        loops.append(asyncio.get_running_loop())
        await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", recording_group_send)
    accounts = [await sync_to_async(make_account)(workspace) for _ in range(3)]

    for account in accounts:
        await asyncio.to_thread(_authenticate_in_a_thread, account.pk)  # a thread of its own each time

    received = [await asyncio.wait_for(layer.receive(channel), timeout=10) for _ in accounts]
    assert sorted(m["message"]["account"]["id"] for m in received) == sorted(a.pk for a in accounts)
    assert len(loops) == 3 and len(set(loops)) == 1  # one loop for all three commits
    assert loops[0] is not asyncio.get_running_loop() and loops[0].is_running() and not loops[0].is_closed()
    await layer.group_discard(workspace_group(workspace.pk), channel)
