"""The auth-state endpoint's clear errors: too large, corrupt, unknown session, no state, unsigned, a bad
epoch header, and a stored state no configured key decrypts."""

import gzip

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from tests.backend.authstate import auth_state_request, put_state, storage_state
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(workspace, worker_node):
    return make_connected(workspace, worker=worker_node, lease_epoch=1)


def put(worker_key, session_id, body, *, epoch=1):
    return put_state(worker_key, session_id, body, epoch=epoch)


def test_a_state_over_the_limit_is_refused_with_the_limit_in_the_message(worker_key, account, settings):
    settings.SESSION_STATE_MAX_BYTES = 64 * 1024
    answer = put(worker_key, account.session_id, b"x" * (64 * 1024 + 1))
    assert answer.status_code == 413
    assert "SESSION_STATE_MAX_BYTES (65536 bytes)" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not gzip at all", "not gzip"),
        (gzip.compress(b"not json"), "not JSON"),
        (gzip.compress(b'{"cookies": 1}'), "must be a storage state"),
        (gzip.compress(b'{"cookies": [], "origins": []}')[:-6], "not a complete gzip stream"),
        (gzip.compress(b'{"cookies": [], "origins": []}') + gzip.compress(b"x" * 4096), "a second member"),
        (gzip.compress(b" " * (40 * 1024 * 1024)), "inflates beyond"),  # a bomb: 40 MiB from about 40 kB
    ],
)
def test_a_corrupt_state_is_refused_and_nothing_is_stored(worker_key, account, body, detail):
    answer = put(worker_key, account.session_id, body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "corrupt_state"
    assert detail in answer.json()["detail"]
    assert auth_state_request(Client(), worker_key, "GET", account.session_id, epoch=1).status_code == 404


def test_an_unknown_session_is_not_the_workers_and_a_missing_state_is_404(worker_key, account):
    refused = put(worker_key, "wa_nobody", storage_state())
    assert (refused.status_code, refused.json()["error"]) == (403, "not_lease_holder")  # whether it exists: not told
    missing = auth_state_request(Client(), worker_key, "GET", account.session_id, epoch=1)
    assert (missing.status_code, missing.json()["error"]) == (404, "no_state")


def test_an_unsigned_request_or_a_bad_epoch_header_is_refused(worker_key, account):
    path = f"/api/v1/whatsapp/sessions/{account.session_id}/auth-state"
    assert Client().get(path, HTTP_X_LEASE_EPOCH="1").status_code == 401
    answer = auth_state_request(Client(), worker_key, "GET", account.session_id, epoch="one")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_epoch")


def test_a_state_encrypted_with_a_key_no_longer_configured_is_a_clear_server_error(worker_key, account, settings):
    assert put(worker_key, account.session_id, storage_state()).status_code == 204
    settings.SESSION_STATE_KEYS = [Fernet.generate_key().decode()]
    answer = auth_state_request(Client(), worker_key, "GET", account.session_id, epoch=1)
    assert answer.status_code == 500
    assert answer.json()["error"] == "state_unreadable"
    assert "a key not in SESSION_STATE_KEYS" in answer.json()["detail"]
