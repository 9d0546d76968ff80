"""The WebSocket's message is built as a plain dict (``broadcast.account_message``), and it is the very message
``AccountMessageSerializer`` writes (the format the page's JS and docs/backend.md know): the same keys in the
same order, the same values of the same types, for an account in each of its shapes."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.accounts.services.linking import account_qr_show_if_newer
from backend.live.messages import AccountMessageSerializer, MessageType, account_message
from tests.backend.testkit import make_account, make_connected, qr_data

pytestmark = pytest.mark.django_db


def _same_message(account: WhatsAppAccount) -> None:
    for kind in MessageType:
        built = account_message(kind, account)
        written = AccountMessageSerializer({"type": kind, "workspace_id": account.workspace_id, "account": account})
        assert json.dumps(built) == json.dumps(written.data)  # keys, their order, values and their types


def test_an_account_showing_a_qr_as_the_hot_path_returns_it(workspace, worker_node):
    account = make_account(workspace, status=AccountStatus.QR_SCANNING, worker=worker_node, lease_epoch=3)
    shown = account_qr_show_if_newer(
        worker_id=worker_node.id, session_id=account.session_id, workspace_id=workspace.pk, epoch=3, sequence=1,
        **qr_data(1),
    )  # fmt: skip
    assert shown is not None and shown.qr_code
    _same_message(shown)


def test_a_linked_primary_account_with_its_phone_number_and_sync_progress(workspace):
    account = make_connected(workspace, is_primary=True, push_name="Olivia", platform="android", sync_percent=40)
    _same_message(account)
    account.refresh_from_db()
    _same_message(account)


def test_an_account_changed_in_memory_before_it_is_saved(workspace):
    account = make_account(workspace)
    account.set_status(AccountStatus.AUTHENTICATED)  # the enum member, not yet a string read from the database
    account.qr_expires_at = timezone.now() + dt.timedelta(seconds=60)
    account.moving = True
    _same_message(account)


def test_a_deleted_account_in_another_time_zone(workspace):
    account = make_connected(workspace, deleted_at=timezone.now())
    _same_message(account)
    with timezone.override("America/Sao_Paulo"):  # DRF writes datetimes in the current time zone
        _same_message(account)
