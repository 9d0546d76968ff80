"""The webhook's hot path: a newer QR for an account already showing QRs is applied by one conditional UPDATE
(the sequence rule in its WHERE), with no row locked by SELECT ... FOR UPDATE and no QR drawn; anything else
about a QR (a first QR, a stale one) still goes through the locking path."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import AccountStatus
from backend.inbox.models import EventOutcome, WebhookEvent
from tests.backend.testkit import make_account, qr_data

pytestmark = pytest.mark.django_db


def _locking(queries) -> list[str]:
    return [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]


def test_a_rotated_qr_takes_no_lock_and_is_stored_and_recorded(sender, workspace, django_capture_on_commit_callbacks):
    account = make_account(workspace)
    sender.send("qr_code_generated", account, data=qr_data(1))  # the first: qr_scanning, through the locks

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as after_commit:
        assert sender.send("qr_code_generated", account, data=qr_data(2))["status"] == "applied"

    assert _locking(queries.captured_queries) == []
    broadcasts = [c for c in after_commit if "announce" in getattr(c, "__qualname__", "")]  # not the metrics'
    assert len(broadcasts) == 1  # the QR's broadcast, after the commit
    account.refresh_from_db()
    assert (account.status, account.qr_code, account.qr_count) == (AccountStatus.QR_SCANNING, qr_data(2)["qr"], 2)
    assert account.last_sequence == 2
    assert WebhookEvent.objects.filter(outcome=EventOutcome.APPLIED).count() == 2


def test_a_stale_qr_falls_back_to_the_locking_path_and_is_recorded_stale(sender, workspace):
    account = make_account(workspace)
    sender.send("qr_code_generated", account, data=qr_data(2), sequence=5)

    with CaptureQueriesContext(connection) as queries:
        assert sender.send("qr_code_generated", account, data=qr_data(1), sequence=4)["status"] == "stale"

    assert _locking(queries.captured_queries) != []
    account.refresh_from_db()
    assert (account.qr_count, account.last_sequence) == (2, 5)
