"""Every model has a working admin: list pages with their filters and search, the inbox readable."""

import pytest

from backend.inbox.models import WebhookEvent
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db

MODELS = [
    "accounts/workspace",
    "accounts/membership",
    "accounts/whatsappaccount",
    "accounts/accountstatuschange",
    "fleet/workernode",
    "inbox/webhookevent",
]


def test_every_model_has_a_list_page(staff_client, owner, workspace):
    make_connected(workspace, phone_number="4915100000001")
    for model in MODELS:
        assert staff_client.get(f"/admin/{model}/").status_code == 200, model


def test_accounts_can_be_searched_by_phone_and_filtered_by_status_and_workspace(staff_client, workspace):
    make_connected(workspace, phone_number="4915100000001")
    page = staff_client.get(
        f"/admin/accounts/whatsappaccount/?q=4915100000001&status=connected&workspace__id__exact={workspace.pk}"
    )
    assert page.status_code == 200
    assert b"4915100000001" in page.content


def test_an_inbox_event_shows_its_payload(staff_client, sender, workspace):
    from tests.backend.testkit import make_account

    sender.send("session_authenticated", make_account(workspace))
    event = WebhookEvent.objects.get()
    page = staff_client.get(f"/admin/inbox/webhookevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b"session_authenticated" in page.content and b"<pre>" in page.content


def test_the_delete_action_goes_through_the_service(staff_client, workspace):
    primary = make_connected(workspace, is_primary=True)
    other = make_connected(workspace)
    response = staff_client.post(
        "/admin/accounts/whatsappaccount/", {"action": "soft_delete", "_selected_action": [primary.pk]}
    )
    assert response.status_code == 302
    primary.refresh_from_db()
    other.refresh_from_db()
    assert primary.deleted_at is not None
    assert other.is_primary  # the primary rule ran
