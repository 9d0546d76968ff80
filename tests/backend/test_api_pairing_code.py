"""Link with phone number instead: the API asks the account's worker for a pairing code."""

from __future__ import annotations

import pytest

from tests.backend.testkit import logged_in, make_account, make_connected


def url(account) -> str:
    return f"/api/v1/accounts/{account.pk}/pairing-code"


@pytest.fixture
def waiting(workspace, worker_node, stand_in_worker):
    account = make_account(workspace, worker=worker_node)
    stand_in_worker.sessions[account.session_id] = "SCAN_QR_CODE"
    return account


def test_a_member_gets_the_workers_code_for_a_waiting_session(member, waiting, stand_in_worker):
    response = logged_in(member).post(url(waiting), {"phone_number": "6281234567890"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"code": "K7QW2M9X"}
    assert stand_in_worker.calls_to("POST", f"/sessions/{waiting.session_id}/pairing-code") == [
        ("POST", f"/sessions/{waiting.session_id}/pairing-code", {"phone_number": "6281234567890"})
    ]


@pytest.mark.parametrize("phone", ["", "+6281234567890", "0812", "62 812 3456", None])
def test_a_malformed_phone_number_is_a_400_naming_it(member, waiting, stand_in_worker, phone):
    response = logged_in(member).post(url(waiting), {"phone_number": phone}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_phone_number"
    assert stand_in_worker.calls == []


def test_a_connected_account_cannot_get_a_code(owner, workspace, worker_node, stand_in_worker):
    account = make_connected(workspace, worker=worker_node)
    response = logged_in(owner).post(url(account), {"phone_number": "6281234567890"}, content_type="application/json")
    assert response.status_code == 409
    assert stand_in_worker.calls == []


def test_a_worker_that_does_not_answer_is_a_503(member, waiting, stand_in_worker):
    stand_in_worker.fail_next = [503]
    response = logged_in(member).post(url(waiting), {"phone_number": "6281234567890"}, content_type="application/json")
    assert response.status_code == 503
    assert response.json()["error"] == "worker_unavailable"


def test_a_worker_refusal_is_a_409(member, waiting, stand_in_worker):
    stand_in_worker.fail_next = [409]
    response = logged_in(member).post(url(waiting), {"phone_number": "6281234567890"}, content_type="application/json")
    assert response.status_code == 409


def test_another_workspaces_account_is_a_404(outsider, waiting, stand_in_worker):
    response = logged_in(outsider).post(
        url(waiting), {"phone_number": "6281234567890"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert stand_in_worker.calls == []
