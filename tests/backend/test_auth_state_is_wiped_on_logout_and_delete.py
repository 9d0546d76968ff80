"""Logout (from the page or the phone) and delete wipe the session's stored auth state, in their own
transaction: nobody can open the session from it afterwards."""

import pytest

from backend.accounts.models import StatusReason
from backend.accounts.services.endings import account_delete, account_disconnect, account_logout
from backend.fleet.models import SessionAuthState
from shared.events import DisconnectReason
from tests.backend.authstate import put_state, storage_state
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(worker_key, workspace, worker_node):
    account = make_connected(workspace, worker=worker_node, lease_epoch=1)
    assert put_state(worker_key, account.session_id, storage_state(), epoch=1).status_code == 204
    return account


def test_a_logout_from_the_page_wipes_it(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account_logout(account_id=account.pk)
    assert not SessionAuthState.objects.filter(account=account).exists()


def test_a_logout_from_the_phone_wipes_it(account):
    account_disconnect(account_id=account.pk, reason=DisconnectReason.LOGOUT)
    assert not SessionAuthState.objects.filter(account=account).exists()


def test_a_delete_wipes_it(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(account_id=account.pk)
    assert not SessionAuthState.objects.filter(account=account).exists()


def test_a_lost_worker_keeps_it(account):
    account_disconnect(account_id=account.pk, reason=StatusReason.WORKER_LOST)
    assert SessionAuthState.objects.filter(account=account).exists()
