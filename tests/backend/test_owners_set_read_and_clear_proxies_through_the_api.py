"""A workspace's proxy and an account's own, through the API: owners and admins set and remove them, members read
them, outsiders get 404; the password is write-only and sealed at rest; a proxy that cannot work is a 400 saying
why (SOCKS5 with credentials among them)."""

import pytest
from django.db import connection

from backend.egress.models import Proxy
from tests.backend.testkit import logged_in, make_account

pytestmark = pytest.mark.django_db


def put(client, path, **body):
    return client.put(path, data=body, content_type="application/json")


def test_an_owner_sets_reads_and_removes_the_workspaces_proxy(workspace, owner):
    client = logged_in(owner)
    path = f"/api/v1/workspaces/{workspace.pk}/proxy"
    assert client.get(path).status_code == 404

    answer = put(client, path, url="http://10.0.0.5:3128", username="tenant", password="s3cret-pass")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["url"], body["username"], body["has_password"]) == ("http://10.0.0.5:3128", "tenant", True)
    assert "password" not in body and "s3cret-pass" not in answer.content.decode()
    assert client.get(path).json() == body
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


def test_the_password_is_sealed_at_rest(workspace, owner):
    put(logged_in(owner), f"/api/v1/workspaces/{workspace.pk}/proxy", url="http://p.example:3128", username="u",
        password="plain-text-password")  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute("SELECT password_ciphertext::text, username FROM egress_proxy")
        ((stored, _),) = cursor.fetchall()
    assert "plain-text-password" not in stored
    assert b"plain-text-password" not in bytes(Proxy.objects.get().password_ciphertext)


def test_a_put_without_a_password_keeps_it_and_an_empty_one_clears_it(workspace, owner):
    client, path = logged_in(owner), f"/api/v1/workspaces/{workspace.pk}/proxy"
    put(client, path, url="http://p.example:3128", username="u", password="pw")

    assert put(client, path, url="http://q.example:8080", username="u").json()["has_password"] is True
    assert put(client, path, url="http://q.example:8080", username="v").json()["has_password"] is False
    put(client, path, url="http://q.example:8080", username="v", password="pw2")
    assert put(client, path, url="http://q.example:8080", username="v", password="").json()["has_password"] is False


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"url": "socks5://10.0.0.5:1080", "username": "u", "password": "p"}, "Chromium cannot send a username"),
        ({"url": "ftp://10.0.0.5:21"}, "http://, https://, socks5://"),
        ({"url": "http://10.0.0.5:99999"}, "port"),
        ({"url": "http://user:pw@10.0.0.5:3128"}, "their own fields"),
        ({"url": "http://10.0.0.5:3128/path"}, "no path"),
        ({"url": ""}, "URL"),
        ({"url": "http://10.0.0.5:3128", "password": "p"}, "needs a username"),
    ],
)
def test_a_proxy_that_cannot_work_is_refused_with_its_reason(workspace, owner, body, says):
    answer = put(logged_in(owner), f"/api/v1/workspaces/{workspace.pk}/proxy", **body)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_proxy"
    assert says in answer.json()["detail"]
    assert not Proxy.objects.exists()


def test_a_member_reads_but_may_not_write(workspace, owner, member):
    path = f"/api/v1/workspaces/{workspace.pk}/proxy"
    put(logged_in(owner), path, url="http://p.example:3128")
    client = logged_in(member)

    assert client.get(path).json()["url"] == "http://p.example:3128"
    assert put(client, path, url="http://evil.example:3128").status_code == 403
    assert client.delete(path).status_code == 403
    account = make_account(workspace)
    assert put(client, f"/api/v1/accounts/{account.pk}/proxy", url="http://evil.example:3128").status_code == 403
    assert Proxy.objects.get().host == "p.example"


def test_another_workspaces_proxy_is_not_found(workspace, owner, other_workspace, outsider):
    put(logged_in(owner), f"/api/v1/workspaces/{workspace.pk}/proxy", url="http://p.example:3128")
    account = make_account(workspace)
    client = logged_in(outsider)

    assert client.get(f"/api/v1/workspaces/{workspace.pk}/proxy").status_code == 404
    assert put(client, f"/api/v1/workspaces/{workspace.pk}/proxy", url="http://x.example:1").status_code == 404
    assert client.get(f"/api/v1/accounts/{account.pk}/proxy").status_code == 404
    assert put(client, f"/api/v1/accounts/{account.pk}/proxy", url="http://x.example:1").status_code == 404


def test_an_owner_sets_and_removes_an_accounts_own_proxy(workspace, owner):
    client, account = logged_in(owner), make_account(workspace)
    path = f"/api/v1/accounts/{account.pk}/proxy"
    assert client.get(path).status_code == 404

    body = put(client, path, url="https://[2001:db8::1]:8443", username="acct", password="pw").json()

    assert (body["url"], body["has_password"]) == ("https://[2001:db8::1]:8443", True)
    assert client.get(path).json()["url"] == "https://[2001:db8::1]:8443"
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


def test_the_schema_documents_the_proxy_paths(owner):
    schema = logged_in(owner).get("/api/v1/schema/").content.decode()

    assert "/api/v1/workspaces/{workspace_id}/proxy" in schema
    assert "/api/v1/accounts/{account_id}/proxy" in schema
