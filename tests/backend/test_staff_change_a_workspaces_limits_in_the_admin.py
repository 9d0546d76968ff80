"""Staff change one workspace's limits in the admin; an empty field follows the setting's default; the service
that creates an account then applies the workspace's own limits. The admin names the accounts "WhatsApp
accounts". The settings' values are parsed strictly."""

import re

import pytest

from backend.accounts.models import Workspace
from backend.accounts.services.connects import account_create
from backend.accounts.services.limits import LimitReached, workspace_limits
from tests.backend.test_settings_from_environment import SECRETS, assert_refused_at_start

pytestmark = pytest.mark.django_db


def test_staff_set_a_workspaces_limits_and_the_service_applies_them(staff_client, workspace, worker_node, settings):
    settings.WORKSPACE_MAX_ACCOUNTS = 10
    page = staff_client.get(f"/admin/accounts/workspace/{workspace.pk}/change/")
    assert b"Limits" in page.content and b"connect attempt is a Connect or a Reconnect" in page.content
    inline = re.search(r'name="([\w-]+)-TOTAL_FORMS"', page.content.decode()).group(1)
    answer = staff_client.post(
        f"/admin/accounts/workspace/{workspace.pk}/change/",
        {
            "name": workspace.name,
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
            "max_accounts": "1",
            "connects_per_hour": "",
            "connects_per_day": "50",
            f"{inline}-TOTAL_FORMS": "0",
            f"{inline}-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 302, answer.content[:2000]
    workspace.refresh_from_db()
    assert (workspace.max_accounts, workspace.connects_per_hour, workspace.connects_per_day) == (1, None, 50)
    limits = workspace_limits(workspace=workspace)
    assert (limits.max_accounts, limits.connects_per_hour, limits.connects_per_day) == (1, 5, 50)
    account_create(workspace_id=workspace.pk)
    with pytest.raises(LimitReached) as refused:
        account_create(workspace_id=workspace.pk)
    assert refused.value.limit == "accounts"
    listed = staff_client.get("/admin/accounts/workspace/")
    assert b"1, 5/h, 50/day" in listed.content


def test_the_admin_says_whatsapp_accounts(staff_client):
    index = staff_client.get("/admin/").content.decode()
    assert "WhatsApp accounts" in index
    assert "Whats app accounts" not in index


def test_a_workspace_left_empty_follows_the_settings(settings):
    settings.WORKSPACE_MAX_ACCOUNTS, settings.WORKSPACE_CONNECTS_PER_HOUR, settings.WORKSPACE_CONNECTS_PER_DAY = 7, 2, 9
    limits = workspace_limits(workspace=Workspace(name="Empty"))
    assert (limits.max_accounts, limits.connects_per_hour, limits.connects_per_day) == (7, 2, 9)


@pytest.mark.parametrize(
    "name", ["WORKSPACE_MAX_ACCOUNTS", "WORKSPACE_CONNECTS_PER_HOUR", "WORKSPACE_CONNECTS_PER_DAY"]
)
def test_a_limit_setting_must_be_a_positive_integer(name):
    assert_refused_at_start(f"{name} must be an integer", DJANGO_DEBUG="True", **SECRETS, **{name: "lots"})
    assert_refused_at_start(f"{name} must be between 1 and", DJANGO_DEBUG="True", **SECRETS, **{name: "0"})
