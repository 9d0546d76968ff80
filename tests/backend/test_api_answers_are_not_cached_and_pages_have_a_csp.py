"""The API's JSON (accounts carry QR strings and phone numbers) is sent with Cache-Control: no-store; every HTML
page has a Content-Security-Policy allowing only the site's own scripts, styles and connections (the API docs
allow inline styles, not scripts). tests/web checks in Chromium that the settings page works under it."""

import pytest
from django.test import Client

from backend.headers import CONTENT_SECURITY_POLICY
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def test_account_json_is_no_store(client, workspace):
    account = make_account(workspace)
    for path in (f"/api/v1/workspaces/{workspace.pk}/accounts", f"/api/v1/accounts/{account.pk}", "/api/v1/workspaces"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], path


def test_html_pages_carry_the_policy(client, workspace):
    for path in (f"/settings/whatsapp-accounts?workspace={workspace.pk}", "/admin/login/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
    assert Client().get("/accounts/login/")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY


def test_the_api_docs_allow_inline_styles_but_not_inline_scripts():
    policy = Client().get("/api/v1/docs/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy
