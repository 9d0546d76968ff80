"""Staff set a workspace's proxy in the admin: the password is a password input that never shows the stored one,
left empty it keeps it; a SOCKS5 proxy with credentials is refused with the reason."""

import pytest

from backend.egress.models import Proxy
from backend.egress.selectors import proxy_for_session

pytestmark = pytest.mark.django_db


def form(workspace, **fields):
    return {"workspace": workspace.pk, "account": "", "scheme": "http", "host": "10.0.0.5", "port": 3128,
            "username": "u", "password": "", **fields}  # fmt: skip


def test_staff_set_a_proxy_and_its_password_is_never_shown(staff_client, workspace):
    answer = staff_client.post("/admin/egress/proxy/add/", form(workspace, password="admin-secret"))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    proxy = Proxy.objects.get()
    assert proxy_for_session(proxy).password == "admin-secret"

    page = staff_client.get(f"/admin/egress/proxy/{proxy.pk}/change/").content.decode()
    assert "admin-secret" not in page and 'type="password"' in page

    staff_client.post(f"/admin/egress/proxy/{proxy.pk}/change/", form(workspace, port=8080))
    proxy = Proxy.objects.get()
    assert (proxy.port, proxy_for_session(proxy).password) == (8080, "admin-secret")


def test_socks5_with_credentials_is_refused_with_the_reason(staff_client, workspace):
    answer = staff_client.post("/admin/egress/proxy/add/", form(workspace, scheme="socks5", password="pw"))

    assert answer.status_code == 200
    assert "Chromium cannot send a username and password to a SOCKS5 proxy" in answer.content.decode()
    assert not Proxy.objects.exists()
