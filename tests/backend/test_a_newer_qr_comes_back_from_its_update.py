"""The QR hot path's conditional UPDATE returns the row it changed (``UPDATE ... RETURNING``): the account it
answers, and broadcasts, is the row as written, and the row is not read back with a second query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.linking import account_qr_show_if_newer
from tests.backend.testkit import make_account, qr_data

pytestmark = pytest.mark.django_db


def _show(account: WhatsAppAccount, sequence: int, *, worker_id: str | None = None):
    return account_qr_show_if_newer(
        worker_id=worker_id or account.worker_id,
        session_id=account.session_id,
        workspace_id=account.workspace_id,
        epoch=account.lease_epoch,
        sequence=sequence,
        **qr_data(sequence),
    )


def _every_column(account: WhatsAppAccount) -> dict:
    return {field.attname: getattr(account, field.attname) for field in WhatsAppAccount._meta.concrete_fields}


def test_the_updated_row_is_returned_by_the_update_itself(workspace, worker_key, django_capture_on_commit_callbacks):
    account = make_account(workspace, status="qr_scanning", worker_id=worker_key.worker_id)

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
        shown = _show(account, 3)

    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]
    assert "RETURNING" in queries.captured_queries[0]["sql"]
    assert shown is not None and shown.pk == account.pk and not shown._state.adding
    assert _every_column(shown) == _every_column(WhatsAppAccount.objects.get(pk=account.pk))
    assert (shown.qr_code, shown.qr_count, shown.last_sequence) == (qr_data(3)["qr"], 3, 3)


def test_an_update_that_matches_nothing_returns_none_and_changes_nothing(workspace, worker_key):
    account = make_account(workspace, status="qr_scanning", worker_id=worker_key.worker_id)
    assert _show(account, 5) is not None

    assert _show(account, 4) is None  # not newer
    assert _show(account, 9, worker_id="worker-2") is None  # not the lease holder's
    account.refresh_from_db()
    assert (account.qr_count, account.last_sequence) == (5, 5)
