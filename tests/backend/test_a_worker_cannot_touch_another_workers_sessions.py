"""A worker with valid credentials of its own (worker-2) reaches nothing of the sessions another worker holds
(worker-1's): events for them, events in worker-1's name, its auth state read or written, a heartbeat claiming them
or rewriting worker-1's URL. Each is refused (403 for what is not its to send, 401 for a name that is not its own),
nothing is stored or changed, and the audit log names worker-2. (tests/security/ runs the same attacks on the live
stack; these are the backend's rules one by one.)"""

import pytest
from django.test import Client

from backend.fleet.models import SessionAuthState, WorkerNode
from backend.inbox.models import WebhookEvent
from tests.backend.authstate import auth_state_request, put_state, storage_state
from tests.backend.testkit import Sender, make_connected, qr_data, ready_data, register_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(workspace, worker_key):
    account = make_connected(workspace, worker_id="worker-1", lease_epoch=4, last_epoch=4, last_sequence=9)
    assert put_state(worker_key, account.session_id, storage_state("tenant-credentials"), epoch=4).status_code == 204
    return account


@pytest.fixture
def attacker():
    return register_worker("worker-2")


def snapshot(account) -> tuple:
    account.refresh_from_db()
    state = SessionAuthState.objects.get(account=account)
    return (account.status, account.phone_number, account.qr_code, account.last_sequence, state.version, state.sha256)


@pytest.mark.parametrize(
    ("type", "data", "sequence"),
    [
        ("qr_code_generated", qr_data(1), 10),  # the attacker's QR on the tenant's page
        ("session_ready", ready_data("4915199999999"), 10),  # another number replacing the tenant's
        ("session_disconnected", {"reason": "LOGOUT"}, 10),
        ("session_authenticated", {}, 2**53),  # a sequence that would make every later real event stale
    ],
)
def test_events_for_another_workers_session_are_refused(victim, attacker, type, data, sequence, caplog):
    before = snapshot(victim)
    b = Sender(Client(), attacker)
    refused = b.post(b.event(type, victim, data=data, sequence=sequence, epoch=4))
    assert (refused.status_code, refused.json()["error"]) == (403, "not_lease_holder")
    assert "worker-1" not in refused.content.decode() and "4" not in refused.json()["detail"]
    assert snapshot(victim) == before
    assert not WebhookEvent.objects.filter(session_id=victim.session_id, worker_id="worker-2").exists()
    assert "audit: worker worker-2 refused" in caplog.text


def test_an_event_in_another_workers_name_is_refused(victim, attacker):
    b = Sender(Client(), attacker)
    refused = b.post(b.event("session_ready", victim, data=ready_data("4915199999999"), worker_id="worker-1", epoch=4))
    assert (refused.status_code, refused.json()["error"]) == (403, "worker_mismatch")
    forged = Sender(Client(), attacker.__class__("worker-1", attacker.private))  # worker-1's name, worker-2's key
    refused = forged.post(forged.event("session_ready", victim, data=ready_data("4915199999999"), epoch=4))
    assert (refused.status_code, refused.json()["error"]) == (401, "bad signature")


def test_another_workers_auth_state_is_neither_read_nor_written(victim, attacker, caplog):
    before = snapshot(victim)
    read = auth_state_request(Client(), attacker, "GET", victim.session_id, epoch=4)
    assert (read.status_code, read.json()["error"]) == (403, "not_lease_holder")
    assert b"tenant-credentials" not in read.content
    written = put_state(attacker, victim.session_id, storage_state("attacker"), epoch=4)
    assert (written.status_code, written.json()["error"]) == (403, "not_lease_holder")
    assert snapshot(victim) == before
    assert "audit: worker worker-2 refused: auth state" in caplog.text


def test_a_heartbeat_claiming_another_workers_session_gets_no_lease_and_changes_nothing(victim, attacker):
    before = snapshot(victim)
    url_before = WorkerNode.objects.get(pk="worker-1").base_url
    b = Sender(Client(), attacker)
    sessions = {victim.session_id: {"state": "DISCONNECTED", "epoch": 4}}
    heartbeat = {"base_url": "http://attacker.example:1", "capacity": 1000, "sessions": sessions}
    answer = b.send("worker_heartbeat", data=heartbeat)
    assert answer["leases"] == {}
    assert snapshot(victim) == before  # not disconnected on its real worker's behalf
    assert WorkerNode.objects.get(pk="worker-1").base_url == url_before
    assert WorkerNode.objects.get(pk="worker-2").base_url == "http://127.0.0.1:9"  # its own, as registered
