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


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("+55 11 99999-0000", "5511999990000"),
        ("55 (11) 99999 0000", "5511999990000"),
        ("+62 812-3456-7890", "6281234567890"),
        ("+6281234567890", "6281234567890"),
        (" 6281234567890 ", "6281234567890"),
    ],
)
def test_a_number_as_people_write_it_reaches_the_worker_as_digits(member, waiting, stand_in_worker, written, digits):
    response = logged_in(member).post(url(waiting), {"phone_number": written}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert stand_in_worker.calls_to("POST", f"/sessions/{waiting.session_id}/pairing-code")[0][2] == {
        "phone_number": digits
    }


@pytest.mark.parametrize(
    ("phone", "says"),
    [
        ("", "with its country code"),
        ("+1 555", "+1 555 is too short for +1"),
        ("0812 3456 7890", "with its country code instead of the leading 0"),
        ("+62 812 3456 7890 1234 5678", "too long"),
        ("+999 1234", "country code that does not exist"),
        ("call me", "not a phone number"),
        (None, "may not be null"),
    ],
)
def test_a_number_that_cannot_be_one_is_a_400_saying_why(member, waiting, stand_in_worker, phone, says):
    response = logged_in(member).post(url(waiting), {"phone_number": phone}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_phone_number" and body["field"] == "phone_number"
    assert says in body["detail"], body
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
