"""The settings page and its state are for signed-in people only."""

import pytest


@pytest.mark.django_db
def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/settings/whatsapp-accounts")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/settings/whatsapp-accounts")


@pytest.mark.django_db
def test_the_login_page_signs_in_and_comes_back(client, owner):
    page = client.get("/accounts/login/?next=/settings/whatsapp-accounts")
    assert page.status_code == 200
    assert b'<label for="id_username">Username</label>' in page.content
    response = client.post(
        "/accounts/login/",
        {"username": "olivia", "password": "correct horse battery", "next": "/settings/whatsapp-accounts"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/whatsapp-accounts"


@pytest.mark.django_db
def test_a_wrong_password_is_said_clearly(client, owner):
    response = client.post("/accounts/login/", {"username": "olivia", "password": "nope"})
    assert response.status_code == 200
    assert b"did not match" in response.content


@pytest.mark.django_db
def test_the_state_answers_401_json_to_an_anonymous_visitor(client, workspace):
    response = client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.django_db
def test_sign_out_ends_the_session_and_returns_to_the_login_page(owner_client):
    response = owner_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert owner_client.get("/settings/whatsapp-accounts").status_code == 302
