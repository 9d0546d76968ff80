"""The JSON state the page polls: the API's account plus the QR as SVG, the timeline and last seen."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.web.factories import make_account, record_event, record_status

QR = "2@abcdefghijklmnop,bm9pc2VrZXk=,aWRlbnRpdHk=,YWR2c2VjcmV0,1"


@pytest.mark.django_db
def test_it_answers_the_accounts_with_the_servers_time(owner_client, workspace):
    account = make_account(workspace, phone_number="6281234567890", is_primary=True, push_name="Sales")
    data = owner_client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").json()
    assert dt.datetime.fromisoformat(data["server_time"])
    [row] = data["accounts"]
    assert row["id"] == account.pk
    assert row["phone_number"] == "6281234567890"
    assert row["is_primary"] is True
    assert row["push_name"] == "Sales"
    assert row["status"] == "connected"


@pytest.mark.django_db
def test_a_showing_qr_comes_as_svg_and_an_expired_one_not_at_all(owner_client, workspace):
    now = timezone.now()
    showing = make_account(
        workspace, status="qr_scanning", qr_code=QR, qr_count=2, qr_expires_at=now + dt.timedelta(seconds=20)
    )
    expired = make_account(
        workspace, status="qr_scanning", qr_code=QR, qr_count=6, qr_expires_at=now - dt.timedelta(seconds=1)
    )
    rows = {
        r["id"]: r
        for r in owner_client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").json()["accounts"]
    }
    assert rows[showing.pk]["qr_svg"].startswith("<svg")
    assert rows[showing.pk]["qr_count"] == 2
    assert rows[expired.pk]["qr_svg"] is None
    assert rows[expired.pk]["qr"] is None


@pytest.mark.django_db
def test_the_timeline_has_each_step_in_order(owner_client, workspace):
    start = timezone.now() - dt.timedelta(minutes=5)
    account = make_account(workspace, phone_number="6281234567890")
    record_status(account, "qr_scanning", at=start, reason="CREATED")
    record_event(account, "qr_code_generated", at=start + dt.timedelta(seconds=2), sequence=1)
    record_event(account, "qr_code_generated", at=start + dt.timedelta(seconds=60), sequence=2)
    record_status(account, "authenticated", at=start + dt.timedelta(seconds=70))
    for n, percent in enumerate((0, 50, 100)):
        record_event(account, "session_sync_progress", at=start + dt.timedelta(seconds=72 + n), sequence=4 + n,
                     data={"percent": percent})  # fmt: skip
    record_status(account, "connected", at=start + dt.timedelta(seconds=75))
    record_status(account, "disconnected", at=start + dt.timedelta(seconds=200), reason="CONFLICT")
    [row] = owner_client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").json()["accounts"]
    assert [(s["step"], s["label"]) for s in row["timeline"]] == [
        ("requested", "Connect requested"),
        ("qr_shown", "QR shown"),
        ("authenticated", "Scanned: linking the phone"),
        ("sync_started", "History sync started"),
        ("ready", "Ready: connected"),
        ("disconnected", "Disconnected (CONFLICT)"),
    ]
    assert dt.datetime.fromisoformat(row["timeline"][1]["at"]) == start + dt.timedelta(seconds=2)


@pytest.mark.django_db
def test_last_seen_is_the_last_event_of_the_session(owner_client, workspace):
    account = make_account(workspace, status="disconnected", phone_number="6281234567890")
    account.status_changed_at = timezone.now() - dt.timedelta(hours=2)
    account.save()
    last = timezone.now() - dt.timedelta(minutes=3)
    record_event(account, "session_disconnected", at=last, sequence=9, data={"reason": "CONFLICT"})
    [row] = owner_client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").json()["accounts"]
    assert dt.datetime.fromisoformat(row["last_seen_at"]) == last


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_accounts(owner_client, workspace):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").status_code == 200
        return len(queries)

    make_account(workspace, phone_number="6281111111111")
    one = count_queries()
    for n in range(5):
        account = make_account(workspace, phone_number=f"62822222222{n}")
        record_status(account, "connected", at=timezone.now())
    assert count_queries() == one
