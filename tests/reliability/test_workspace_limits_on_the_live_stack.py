"""The workspace limits on a production-like live stack (gunicorn with several processes, PostgreSQL, Redis,
Celery, the worker): connects racing for the last slot get exactly one account, whichever process serves them;
over a limit the API answers 429 with Retry-After and a message naming the limit and when it frees; a Reconnect
is a connect attempt; a workspace's own limits (what staff set in the admin) replace the settings' defaults."""

from __future__ import annotations

import threading

import pytest

from tests.reliability.stack import WsgiStack

pytestmark = pytest.mark.slow

RACERS = 4


@pytest.fixture(scope="module")
def stack(wsgi_stack) -> WsgiStack:
    """The gunicorn stack, with the settings' default limits of 10 accounts, 3 connects an hour and 5 a day
    (tests/reliability/conftest.py)."""
    return wsgi_stack


def own_limits(stack: WsgiStack, workspace_id: int, **limits: int) -> None:
    """What staff set in the admin's Limits: the workspace's own fields (those not given stay empty)."""
    stack.set_limits(workspace_id, **limits)


def connect(stack: WsgiStack, person) -> object:
    return stack.api("POST", f"/api/v1/workspaces/{person.workspace_id}/accounts", token=person.token)


def race(stack: WsgiStack, person) -> list:
    """RACERS connects released at once, on as many connections (gunicorn spreads them over its processes)."""
    start = threading.Barrier(RACERS)
    answers: list = []

    def one() -> None:
        start.wait()
        answers.append(connect(stack, person))

    threads = [threading.Thread(target=one) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@pytest.mark.parametrize(
    ("limit", "own"),
    [("accounts", {"max_accounts": 1}), ("connects_per_hour", {"connects_per_hour": 1})],
)
def test_connects_racing_for_the_last_slot_get_exactly_one_account(stack, limit, own):
    people = stack.make_people({f"racer{n}_{limit}": f"Race {n} {limit}" for n in range(3)})
    for person in people.values():
        own_limits(stack, person.workspace_id, **own)
        answers = race(stack, person)
        assert sorted(a.status_code for a in answers) == [201] + [429] * (RACERS - 1), [a.text for a in answers]
        assert {a.json()["limit"] for a in answers if a.status_code == 429} == {limit}
        live = stack.sql(
            "SELECT count(*) FROM accounts_whatsappaccount WHERE workspace_id = %s AND deleted_at IS NULL",
            (person.workspace_id,),
        )
        assert live == [(1,)]


def test_over_the_hourly_limit_the_api_says_which_limit_and_when_it_frees(stack):
    person = stack.make_people({"hourly": "Hourly"})["hourly"]
    for _ in range(3):
        assert connect(stack, person).status_code == 201
    refused = connect(stack, person)
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "limit_reached" and body["limit"] == "connects_per_hour"
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    assert body["retry_after"] == int(refused.headers["Retry-After"])
    assert "3 connection attempts per hour" in body["detail"]
    assert "The next one is possible in 60 minutes" in body["detail"] or "in 1 h" in body["detail"]
    assert body["frees_at"]


def test_a_reconnect_is_a_connect_attempt(stack):
    person = stack.make_people({"reconnects": "Reconnects"})["reconnects"]
    own_limits(stack, person.workspace_id, connects_per_hour=2)
    account = connect(stack, person).json()
    again = stack.api("POST", f"/api/v1/accounts/{account['id']}/reconnect", token=person.token)
    assert again.status_code == 200, again.text  # "Get a new QR code": the second attempt
    refused = stack.api("POST", f"/api/v1/accounts/{account['id']}/reconnect", token=person.token)
    assert refused.status_code == 429 and refused.json()["limit"] == "connects_per_hour"
    assert "Retry-After" in refused.headers


def test_a_cancelled_attempt_still_counts_and_a_deleted_account_frees_the_account_limit(stack):
    person = stack.make_people({"cancels": "Cancels"})["cancels"]
    own_limits(stack, person.workspace_id, max_accounts=1, connects_per_hour=100, connects_per_day=100)
    first = connect(stack, person).json()
    full = connect(stack, person)
    assert full.status_code == 429 and full.json()["limit"] == "accounts"
    assert "Retry-After" not in full.headers and full.json()["retry_after"] is None
    assert "limit of 1 WhatsApp account." in full.json()["detail"]
    cancelled = stack.api("POST", f"/api/v1/accounts/{first['id']}/cancel", token=person.token)
    assert cancelled.status_code == 200 and cancelled.json()["deleted"]
    assert connect(stack, person).status_code == 201  # the slot is free again
    attempts = stack.sql(
        "SELECT count(*) FROM accounts_accountstatuschange c JOIN accounts_whatsappaccount a ON a.id = c.account_id "
        "WHERE a.workspace_id = %s AND c.status = 'qr_scanning' AND c.reason = 'CREATED'",
        (person.workspace_id,),
    )
    assert attempts == [(2,)]  # the cancelled attempt is in the count


def test_the_daily_limit_binds_when_a_workspace_may_do_more_per_hour(stack):
    person = stack.make_people({"daily": "Daily"})["daily"]
    own_limits(stack, person.workspace_id, connects_per_hour=100)  # above the default of 3: the workspace's own
    for _ in range(5):
        assert connect(stack, person).status_code == 201
    refused = connect(stack, person)
    assert refused.status_code == 429 and refused.json()["limit"] == "connects_per_day"
    assert 86_000 <= int(refused.headers["Retry-After"]) <= 86_400
    assert "5 connection attempts per day" in refused.json()["detail"]
