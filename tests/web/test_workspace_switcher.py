"""A person in several workspaces switches between them; a person in one sees no switcher."""

import pytest

from backend.accounts.models import Membership, Role, Workspace
from tests.web.factories import make_account


@pytest.mark.django_db
def test_a_member_of_several_workspaces_gets_a_labelled_switcher(owner_client, owner, workspace):
    second = Workspace.objects.create(name="Second shop")
    Membership.objects.create(user=owner, workspace=second, role=Role.MEMBER)
    make_account(second, phone_number="447911123456")
    html = owner_client.get("/settings/whatsapp-accounts").content.decode()
    assert '<label for="workspace-select">Workspace</label>' in html
    assert f'<option value="{workspace.pk}" selected>Acme</option>' in html
    assert f'<option value="{second.pk}">Second shop</option>' in html
    assert "+44 7911 123456" not in html

    html = owner_client.get(f"/settings/whatsapp-accounts?workspace={second.pk}").content.decode()
    assert f'<option value="{second.pk}" selected>Second shop</option>' in html
    assert "+44 7911 123456" in html


@pytest.mark.django_db
def test_a_member_of_one_workspace_sees_no_switcher(owner_client):
    assert b"workspace-select" not in owner_client.get("/settings/whatsapp-accounts").content


@pytest.mark.django_db
def test_a_person_without_a_workspace_is_told_so(client, django_user_model):
    loner = django_user_model.objects.create_user(username="lonely", password="x-long-password")
    client.force_login(loner)
    response = client.get("/settings/whatsapp-accounts")
    assert response.status_code == 200
    assert b"not a member of any workspace" in response.content
