"""A session's auth state is stored by its lease holder, encrypted at rest, and read back by the lease holder
only (the endpoint over Django's test client, on PostgreSQL)."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import Client

from backend.fleet.models import SessionAuthState
from tests.backend.authstate import auth_state_request, put_state, storage_state
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(workspace, worker_node):
    return make_connected(workspace, worker=worker_node, lease_epoch=3)


def put(worker_key, account, body, *, epoch=3):
    return put_state(worker_key, account.session_id, body, epoch=epoch)


def test_it_stores_the_state_encrypted_and_gives_it_back_to_the_lease_holder(worker_key, account):
    body = storage_state("plaintext-marker-123")
    assert put(worker_key, account, body).status_code == 204

    stored = SessionAuthState.objects.get(account=account)
    assert (stored.version, stored.epoch, stored.size, stored.layout) == (1, 3, len(body), "shared")
    assert body not in bytes(stored.ciphertext)
    assert b"plaintext-marker-123" not in bytes(stored.ciphertext)

    answer = auth_state_request(Client(), worker_key, "GET", account.session_id, epoch=3)
    assert answer.status_code == 200
    assert answer.content == body
    assert answer["x-auth-state-version"] == "1"
    assert answer["x-session-layout"] == "shared"
    assert int(answer["x-lease-expires-in-ms"]) >= 0


def test_an_unchanged_state_is_not_stored_again_and_a_changed_one_is(worker_key, account):
    assert put(worker_key, account, storage_state("a")).status_code == 204
    assert put(worker_key, account, storage_state("a")).status_code == 204
    assert SessionAuthState.objects.get(account=account).version == 1
    assert put(worker_key, account, storage_state("b")).status_code == 204
    assert SessionAuthState.objects.get(account=account).version == 2


def test_a_worker_of_an_older_lease_can_neither_store_nor_read_it(worker_key, account):
    assert put(worker_key, account, storage_state("current")).status_code == 204

    refused = put(worker_key, account, storage_state("from-a-fenced-worker"), epoch=2)
    assert refused.status_code == 409
    assert refused.json()["error"] == "stale_epoch"
    assert "epoch" not in refused.json() and "3" not in refused.json()["detail"]  # the current epoch is not told
    assert auth_state_request(Client(), worker_key, "GET", account.session_id, epoch=2).status_code == 409
    assert SessionAuthState.objects.get(account=account).version == 1


def test_rotation_re_encrypts_with_the_first_key_and_the_old_key_can_then_go(worker_key, account, settings):
    assert put(worker_key, account, storage_state()).status_code == 204
    old_key = settings.SESSION_STATE_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.SESSION_STATE_KEYS = [new_key, old_key]
    call_command("session_state_rotate")
    settings.SESSION_STATE_KEYS = [new_key]
    assert auth_state_request(Client(), worker_key, "GET", account.session_id, epoch=3).content == storage_state()
