"""``session_sync_progress`` on the webhook: while the account is authenticated (the scan was accepted, the
number is not known yet) its ``sync_percent`` is kept and broadcast to the workspace as ``sync_progress``,
after the ``status_changed`` of the scan; for an account in any other status it changes nothing; a new login
starts without progress; a percent out of 0-100 is refused naming the field, and nothing is stored."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from backend.accounts.models import AccountStatus
from backend.inbox.models import WebhookEvent
from backend.live.messages import workspace_group
from tests.backend.testkit import make_account, make_connected, ready_data

pytestmark = pytest.mark.django_db(transaction=True)  # broadcasts leave on commit


@pytest.fixture
def listen(workspace):
    """Receive the workspace's broadcasts: ``messages(n)`` returns the next ``n``."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(workspace_group(workspace.pk), channel)

    async def receive(count: int) -> list[dict]:
        return [(await layer.receive(channel))["message"] for _ in range(count)]

    yield lambda count: async_to_sync(receive)(count)
    async_to_sync(layer.group_discard)(workspace_group(workspace.pk), channel)


def test_progress_after_the_scan_is_kept_and_broadcast_in_order(sender, workspace, listen):
    account = make_account(workspace)

    sender.send("session_authenticated", account)
    for percent in (0, 40):
        assert sender.send("session_sync_progress", account, data={"percent": percent})["status"] == "applied"

    account.refresh_from_db()
    assert (account.status, account.sync_percent) == (AccountStatus.AUTHENTICATED, 40)
    messages = listen(3)
    assert [(m["type"], m["account"]["status"], m["account"]["sync_percent"]) for m in messages] == [
        ("status_changed", "authenticated", None),
        ("sync_progress", "authenticated", 0),
        ("sync_progress", "authenticated", 40),
    ]


def test_progress_for_an_account_that_is_not_authenticated_changes_nothing(sender, workspace):
    connected = make_connected(workspace)
    scanning = make_account(workspace)
    before = {a.pk: a.updated_at for a in (connected, scanning)}

    for account in (connected, scanning):
        sender.send("session_sync_progress", account, data={"percent": 50})

    for account in (connected, scanning):
        account.refresh_from_db()
        assert account.sync_percent is None and account.updated_at == before[account.pk]
    assert (connected.status, scanning.status) == (AccountStatus.CONNECTED, AccountStatus.QR_SCANNING)


def test_a_new_login_starts_without_progress(sender, workspace):
    account = make_account(workspace)
    sender.send("session_authenticated", account)
    sender.send("session_sync_progress", account, data={"percent": 100})
    sender.send("session_ready", account, data=ready_data("4915100000031"))

    sender.send("session_authenticated", account)  # restored after a restart of the worker

    account.refresh_from_db()
    assert (account.status, account.sync_percent) == (AccountStatus.AUTHENTICATED, None)


@pytest.mark.parametrize("percent", [101, -1, "40", 40.5, None])
def test_a_percent_out_of_range_is_refused_naming_the_field(sender, workspace, percent):
    account = make_account(workspace, status=AccountStatus.AUTHENTICATED)
    event = sender.event("session_sync_progress", account, data={"percent": 1})
    body = event.to_dict()
    body["data"] = {"percent": percent}  # make_event validates: break the payload after it was built

    response = sender.post_raw(json.dumps(body).encode(), event_id=event.id)

    assert response.status_code == 400
    assert response.json()["field"] == "data.percent"
    assert not WebhookEvent.objects.exists()
    account.refresh_from_db()
    assert account.sync_percent is None
