"""The first paint: the workspace's accounts rendered on the server, formatted for people."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from tests.web.factories import make_account


def page_config(response) -> dict:
    match = re.search(rb'<script id="page-config" type="application/json">(.*?)</script>', response.content, re.S)
    assert match, "the page embeds its JSON config"
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_it_shows_each_account_with_its_number_badge_and_details(owner_client, workspace):
    make_account(workspace, phone_number="6281234567890", is_primary=True, push_name="Sales", platform="android")
    make_account(workspace, status="disconnected", phone_number="14155550100", status_reason="CONFLICT")
    response = owner_client.get("/settings/whatsapp-accounts")
    assert response.status_code == 200
    html = response.content.decode()
    assert "+62 812-3456-7890" in html
    assert "+1 415-555-0100" in html
    assert '<span class="badge primary-badge" data-primary>★ Primary</span>' in html
    assert 'data-status="connected">Connected</span>' in html
    assert 'data-status="disconnected">Disconnected</span>' in html
    assert "<dd>Sales</dd>" in html
    assert "<dd>android</dd>" in html
    assert html.index("+62 812-3456-7890") < html.index("+1 415-555-0100"), "the primary comes first"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("disconnected", "WORKER_LOST"),  # its worker restarted, or is gone: it comes back on it or another
        ("disconnected", "BROWSER_CRASHED"),
        ("disconnected", "CONNECTION_LOST"),
        ("authenticated", "RESTORE"),  # opening again from its kept login
    ],
)
def test_a_session_coming_back_by_itself_says_reconnecting(owner_client, workspace, status, reason):
    make_account(workspace, status=status, phone_number="14155550100", status_reason=reason)
    response = owner_client.get("/settings/whatsapp-accounts")
    html = response.content.decode()
    card = re.search(r'<li class="account-card.*?</li>', html, re.S).group(0)
    assert f'data-status="{status}" data-reconnecting>Reconnecting…</span>' in card
    assert ">Disconnected<" not in card and "History sync" not in card
    assert page_config(response)["accounts"][0]["reconnecting"] is True


@pytest.mark.django_db
def test_an_account_without_a_number_is_never_an_unknown_number(owner_client, workspace):
    make_account(workspace, status="authenticated")
    make_account(workspace, status="qr_scanning")
    make_account(workspace, status="connected")
    html = owner_client.get("/settings/whatsapp-accounts").content.decode()
    assert "Scanned - linking your phone" in html
    assert "New account: syncing with the phone" in html
    assert "New account: waiting for the QR scan" in html
    assert "unknown" not in html.lower()


@pytest.mark.django_db
def test_deleted_accounts_are_not_listed(owner_client, workspace):
    make_account(workspace, phone_number="6281111111111", deleted_at=timezone.now())
    html = owner_client.get("/settings/whatsapp-accounts").content.decode()
    assert "+62 811-1111-1111" not in html
    assert "No WhatsApp account is connected yet" in html


@pytest.mark.django_db
def test_the_page_hands_its_state_to_the_javascript(owner_client, workspace):
    account = make_account(workspace, phone_number="6281234567890", is_primary=True)
    response = owner_client.get("/settings/whatsapp-accounts")
    config = page_config(response)
    assert config["workspace_id"] == workspace.pk
    assert config["ws_path"] == f"/ws/workspaces/{workspace.pk}/"
    assert config["state_url"] == "/settings/whatsapp-accounts/state"
    assert config["can_manage"] is True
    assert config["csrf_token"]
    assert [a["id"] for a in config["accounts"]] == [account.pk]
    assert b'<script type="module" src="/static/web/js/accounts_page.js"></script>' in response.content


@pytest.mark.django_db
def test_a_plain_member_is_not_offered_the_owner_actions(client, member, workspace):
    client.force_login(member)
    assert page_config(client.get("/settings/whatsapp-accounts"))["can_manage"] is False


@pytest.mark.django_db
def test_the_page_has_its_landmarks_labels_and_live_regions(owner_client, workspace):
    html = owner_client.get("/settings/whatsapp-accounts").content.decode()
    assert '<html lang="en">' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert '<main id="main"' in html
    assert 'id="live-status" class="visually-hidden" role="status" aria-live="polite"' in html
    assert 'id="page-alert" class="alert" role="alert"' in html
    assert '<dialog id="connect-dialog" class="panel" aria-labelledby="connect-title">' in html
    assert '<label for="pairing-phone">' in html
    assert "Link with phone number instead" in html


@pytest.mark.django_db
def test_times_are_written_for_people(owner_client, workspace):
    account = make_account(workspace, phone_number="6281234567890")
    account.connected_at = dt.datetime(2026, 11, 25, 15, 40, 29, tzinfo=dt.UTC)
    account.save()
    html = owner_client.get("/settings/whatsapp-accounts").content.decode()
    assert "<dt>Connected since</dt><dd>25 Nov 2026, 15:40:29 UTC</dd>" in html
