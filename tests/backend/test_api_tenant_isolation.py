"""The API is scoped to the user's workspaces: an outsider gets 404 for everything of ours, a member may
view and connect, only an owner or admin may set primary, log out and delete."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from backend.accounts.models import WhatsAppAccount
from tests.backend.testkit import logged_in, make_account, make_connected

pytestmark = pytest.mark.django_db

ACCOUNT_URLS = ["/api/v1/accounts/{}", "/api/v1/accounts/{}/qr.svg"]
ACTIONS = ["primary", "reconnect", "logout"]


def test_anonymous_requests_are_refused(workspace):
    account = make_account(workspace)
    client = Client()
    assert client.get("/api/v1/workspaces").status_code == 401
    assert client.get(f"/api/v1/workspaces/{workspace.pk}/accounts").status_code == 401
    assert client.get(f"/api/v1/accounts/{account.pk}").status_code == 401


def test_the_workspace_list_shows_only_the_users_workspaces_with_their_role(owner, member, outsider, workspace):
    assert [(w["name"], w["role"]) for w in logged_in(owner).get("/api/v1/workspaces").json()] == [("Acme", "owner")]
    assert [(w["name"], w["role"]) for w in logged_in(member).get("/api/v1/workspaces").json()] == [("Acme", "member")]
    assert [w["name"] for w in logged_in(outsider).get("/api/v1/workspaces").json()] == ["Globex"]


def test_an_outsider_gets_404_for_the_workspace_and_every_account_url(outsider, workspace):
    account = make_connected(workspace, qr_code="a,b,c,d,e")
    client = logged_in(outsider)
    assert client.get(f"/api/v1/workspaces/{workspace.pk}/accounts").status_code == 404
    assert client.post(f"/api/v1/workspaces/{workspace.pk}/accounts").status_code == 404
    for url in ACCOUNT_URLS:
        assert client.get(url.format(account.pk)).status_code == 404
    for action in ACTIONS:
        assert client.post(f"/api/v1/accounts/{account.pk}/{action}").status_code == 404
    assert client.delete(f"/api/v1/accounts/{account.pk}").status_code == 404
    account.refresh_from_db()
    assert account.deleted_at is None and account.status == "connected"


def test_the_account_list_shows_only_the_workspaces_live_accounts(member, workspace, other_workspace):
    ours = make_account(workspace)
    make_account(other_workspace)
    make_account(workspace, deleted_at="2026-01-01T00:00:00Z")
    accounts = logged_in(member).get(f"/api/v1/workspaces/{workspace.pk}/accounts").json()
    assert [a["id"] for a in accounts] == [ours.pk]


def test_a_member_may_view_and_connect_but_not_manage(member, workspace, worker_node):
    account = make_connected(workspace)
    client = logged_in(member)
    assert client.get(f"/api/v1/accounts/{account.pk}").status_code == 200
    assert client.post(f"/api/v1/workspaces/{workspace.pk}/accounts").status_code == 201
    assert client.post(f"/api/v1/accounts/{account.pk}/primary").status_code == 403
    assert client.post(f"/api/v1/accounts/{account.pk}/logout").status_code == 403
    assert client.delete(f"/api/v1/accounts/{account.pk}").status_code == 403


def test_an_owner_may_manage(owner, workspace):
    account = make_connected(workspace)
    client = logged_in(owner)
    assert client.post(f"/api/v1/accounts/{account.pk}/primary").json()["is_primary"] is True
    assert client.post(f"/api/v1/accounts/{account.pk}/logout").json()["status"] == "logged_out"
    assert client.delete(f"/api/v1/accounts/{account.pk}").status_code == 204
    assert client.get(f"/api/v1/accounts/{account.pk}").status_code == 404
    assert WhatsAppAccount.objects.get(pk=account.pk).deleted_at is not None


def test_token_authentication_is_scoped_the_same_way(owner, outsider, workspace):
    account = make_account(workspace)
    ours = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    theirs = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=outsider).key}")
    assert ours.get(f"/api/v1/accounts/{account.pk}").status_code == 200
    assert theirs.get(f"/api/v1/accounts/{account.pk}").status_code == 404
