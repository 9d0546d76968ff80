"""The settings page shows owners and admins a Proxy section (never the stored password, only that one is set),
names each account's proxy, and its timeline says which proxy each status change went through."""

import pytest

from backend.accounts.services.endings import account_disconnect
from backend.egress.services import workspace_proxy_set
from tests.backend.testkit import logged_in, make_connected

pytestmark = pytest.mark.django_db


def test_an_owner_sees_the_proxy_section_without_the_password(workspace, owner):
    workspace_proxy_set(workspace_id=workspace.pk, url="http://10.0.0.5:3128", username="tenant", password="pw-9f3k")

    page = logged_in(owner).get(f"/settings/whatsapp-accounts?workspace={workspace.pk}").content.decode()

    assert 'id="proxy-section"' in page and "http://10.0.0.5:3128" in page
    assert "set (leave empty to keep it)" in page
    assert "pw-9f3k" not in page


def test_a_member_sees_no_proxy_section(workspace, member):
    workspace_proxy_set(workspace_id=workspace.pk, url="http://10.0.0.5:3128")

    page = logged_in(member).get(f"/settings/whatsapp-accounts?workspace={workspace.pk}").content.decode()

    assert 'id="proxy-section"' not in page


def test_the_state_names_each_accounts_proxy_and_its_timeline_steps(workspace, owner):
    account = make_connected(workspace, proxy_address="10.0.0.5:3128")
    account_disconnect(account_id=account.pk, reason="PROXY_UNREACHABLE")

    state = logged_in(owner).get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").json()

    (row,) = state["accounts"]
    assert (row["proxy"], row["status_reason"], row["reconnecting"]) == ("10.0.0.5:3128", "PROXY_UNREACHABLE", True)
    assert row["timeline"][-1]["proxy"] == "10.0.0.5:3128"
