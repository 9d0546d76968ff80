"""An account whose session moves to another worker (its worker died or is drained) says so on the page,
with no QR and no Reconnect: it comes back connected by itself."""

import pytest

from tests.web.factories import make_account


@pytest.mark.django_db
def test_the_page_shows_moving_to_another_worker(owner_client, workspace):
    make_account(workspace, phone_number="6281234567890", moving=True)
    make_account(workspace, phone_number="6281234567891")
    response = owner_client.get("/settings/whatsapp-accounts")
    html = response.content.decode()
    assert html.count('<span class="badge moving-badge" data-moving>Moving to another worker…</span>') == 1
    assert "Reconnect" not in html


@pytest.mark.django_db
def test_the_api_and_the_page_config_carry_the_flag(owner_client, workspace):
    account = make_account(workspace, phone_number="6281234567890", moving=True)
    body = owner_client.get(f"/api/v1/accounts/{account.pk}").json()
    assert body["moving"] is True
