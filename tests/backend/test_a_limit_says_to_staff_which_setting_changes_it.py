"""Over a workspace's limit, the 429 names the limit's setting, and its message tells staff where the limit is
changed (the admin's workspace limits, or the setting): a newcomer running the demo finds the way out."""

import pytest

from tests.backend.testkit import logged_in
from tests.harness.members import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_connect_an_hour(workspace, worker_node):
    workspace.connects_per_hour = 1
    workspace.save()
    return workspace


def connect_twice(user, workspace):
    client = logged_in(user)
    assert client.post(f"/api/v1/workspaces/{workspace.pk}/accounts").status_code == 201
    return client.post(f"/api/v1/workspaces/{workspace.pk}/accounts")


def test_staff_are_told_where_the_limit_is_changed(one_connect_an_hour):
    staff = make_member("staff-owner", one_connect_an_hour, role="owner")
    staff.is_staff = True
    staff.save()
    refused = connect_twice(staff, one_connect_an_hour)
    assert refused.status_code == 429
    body = refused.json()
    assert (body["limit"], body["setting"]) == ("connects_per_hour", "WORKSPACE_CONNECTS_PER_HOUR")
    assert "1 connection attempt per hour" in body["detail"]
    assert "admin (Workspaces, Limits) or with the setting WORKSPACE_CONNECTS_PER_HOUR" in body["detail"]


def test_members_are_told_the_limit_and_when_it_frees_only(member, one_connect_an_hour):
    refused = connect_twice(member, one_connect_an_hour)
    assert refused.status_code == 429
    assert refused.json()["setting"] == "WORKSPACE_CONNECTS_PER_HOUR"
    assert "1 connection attempt per hour" in refused.json()["detail"]
    assert "Staff" not in refused.json()["detail"]
