"""The page tests' scripted backend (scripted.py) answers accounts in the server's format: the same fields as
the real state endpoint (``AccountSerializer`` plus the page's extras), with values of the same JSON types.
A field added to the serializer or to the page's state and not to the script fails here, not in the page."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.accounts.serializers import AccountSerializer
from backend.fleet.models import WorkerNode
from tests.web import scripted
from tests.web.factories import make_account, record_event, record_status

PAGE_EXTRAS = {"qr_svg", "timeline", "last_seen_at"}


def json_types(row: dict) -> dict[str, str]:
    return {key: type(value).__name__ for key, value in row.items() if value is not None}


@pytest.fixture
def server_rows(owner_client, workspace) -> dict[str, dict]:
    """A connected account and one showing a QR, as the real state endpoint answers them."""
    now = timezone.now()
    worker = WorkerNode.objects.create(id="worker-1", base_url="http://127.0.0.1:9", last_heartbeat_at=now)
    connected = make_account(
        workspace, phone_number="6281234567890", is_primary=True, push_name="Sales", platform="android", worker=worker
    )
    record_status(connected, "qr_scanning", at=now - dt.timedelta(seconds=9), reason="CREATED")
    record_event(connected, "qr_code_generated", at=now - dt.timedelta(seconds=8), sequence=1)
    record_status(connected, "connected", at=now - dt.timedelta(seconds=5))
    scanning = make_account(
        workspace, status="qr_scanning", qr_code=scripted.QR.format(n=1), qr_count=1, worker=worker,
        qr_expires_at=now + dt.timedelta(seconds=60),
    )  # fmt: skip
    rows = owner_client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").json()["accounts"]
    by_id = {row["id"]: row for row in rows}
    return {"connected": by_id[connected.pk], "scanning": by_id[scanning.pk]}


def test_the_script_has_the_serializers_fields_and_the_pages_extras():
    row = scripted.account(1, 1)
    assert set(row) == set(AccountSerializer.Meta.fields) | PAGE_EXTRAS


@pytest.mark.django_db
def test_a_scripted_account_has_the_fields_and_types_of_the_servers(server_rows):
    connected = scripted.account(
        1, 1, "connected", phone_number="6281234567890", is_primary=True, push_name="Sales", platform="android",
        connected_at=scripted.now_iso(), last_seen_at=scripted.now_iso(),
        timeline=[{"step": "requested", "label": "Requested", "at": scripted.now_iso()}],
    )  # fmt: skip
    assert set(connected) == set(server_rows["connected"])
    assert json_types(connected) == json_types(server_rows["connected"])
    assert json_types(connected["timeline"][0]) == json_types(server_rows["connected"]["timeline"][0])


@pytest.mark.django_db
def test_a_scripted_account_showing_a_qr_has_the_fields_and_types_of_the_servers(server_rows):
    showing = scripted.with_qr(scripted.account(2, 1, last_seen_at=scripted.now_iso()), count=1, expires_in=60)
    assert set(showing) == set(server_rows["scanning"])
    assert json_types(showing) == json_types(server_rows["scanning"])
