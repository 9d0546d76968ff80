"""Another workspace's page and state are refused as if the workspace did not exist."""

import pytest

from tests.web.factories import make_account


@pytest.mark.django_db
def test_an_outsider_cannot_open_another_workspaces_page(client, outsider, workspace):
    make_account(workspace, phone_number="6281234567890", is_primary=True)
    client.force_login(outsider)
    response = client.get(f"/settings/whatsapp-accounts?workspace={workspace.pk}")
    assert response.status_code == 404
    assert b"812-3456-7890" not in response.content
    assert b"does not exist, or you are not one of its members" in response.content
    assert workspace.name.encode() not in response.content


@pytest.mark.django_db
def test_an_outsider_cannot_read_another_workspaces_state(client, outsider, workspace):
    make_account(workspace, phone_number="6281234567890")
    client.force_login(outsider)
    response = client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}")
    assert response.status_code == 404
    assert "6281234567890" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("workspace_id", ["999999", "not-a-number", ""])
def test_a_workspace_that_does_not_exist_is_a_404(owner_client, workspace_id):
    assert owner_client.get(f"/settings/whatsapp-accounts?workspace={workspace_id}").status_code == 404
    assert owner_client.get(f"/settings/whatsapp-accounts/state?workspace={workspace_id}").status_code == 404


@pytest.mark.django_db
def test_an_outsider_sees_only_their_own_workspace_by_default(client, outsider, workspace, other_workspace):
    make_account(workspace, phone_number="6281234567890")
    client.force_login(outsider)
    response = client.get("/settings/whatsapp-accounts")
    assert response.status_code == 200
    assert other_workspace.name.encode() in response.content
    assert b"812-3456-7890" not in response.content
