"""A logout, a failure or a delete ends the session's lease: its worker can no longer store (or read) the session's
auth state, so a late upload never brings back credentials the user asked to forget."""

import pytest

from backend.accounts.services.endings import account_delete, account_fail, account_logout
from backend.fleet.models import SessionAuthState
from tests.backend.authstate import put_state, storage_state
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "end",
    [
        lambda account: account_logout(account_id=account.pk),
        lambda account: account_delete(account_id=account.pk),
        lambda account: account_fail(account_id=account.pk, reason="CRASH_LOOP"),
    ],
    ids=["logout", "delete", "failure"],
)
def test_no_upload_is_stored_once_the_lease_ended(workspace, worker_node, worker_key, end):
    account = make_connected(workspace, worker=worker_node, lease_epoch=1)
    end(account)
    refused = put_state(worker_key, account.session_id, storage_state("late"), epoch=1)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_lease_holder")
    assert not SessionAuthState.objects.filter(account=account).exists()
