"""The beat job's failover: once a worker is dead and a session's lease on it has expired, the session gets a
new lease (epoch + 1) on the live worker with the most room and is started there from its stored auth state;
what cannot move without a QR is disconnected (WORKER_LOST); a worker that comes back gets nothing back."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import AccountStatusChange, WhatsAppAccount
from backend.fleet.models import SessionAuthState, WorkerNode
from backend.fleet.tasks import workers_mark_dead
from tests.backend.testkit import Sender, key_for, make_account, make_connected

pytestmark = pytest.mark.django_db


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def with_stored_state(account: WhatsAppAccount) -> WhatsAppAccount:
    SessionAuthState.objects.create(
        account=account, ciphertext=b"sealed", layout="shared", size=6, sha256="0" * 64, epoch=account.lease_epoch
    )
    return account


@pytest.fixture
def dead(db, settings):
    settings.WORKER_HEARTBEAT_TIMEOUT_S = 15
    settings.SESSION_LEASE_TTL_S = 15
    return WorkerNode.objects.create(id="worker-dead", base_url="http://127.0.0.1:9", last_heartbeat_at=ago(20))


def run_failover(capture):
    with capture(execute=True):
        return workers_mark_dead.delay().get()


def test_a_linked_session_moves_to_the_live_worker_and_starts_there_from_its_state(
    workspace, dead, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    account = with_stored_state(
        make_connected(workspace, worker=dead, lease_epoch=4, lease_expires_at=ago(5), is_primary=True)
    )

    result = run_failover(django_capture_on_commit_callbacks)

    assert result == {"dead": ["worker-dead"], "moved": [account.session_id], "lost": []}
    account.refresh_from_db()
    assert (account.worker_id, account.lease_epoch, account.moving) == ("worker-1", 5, True)
    assert (account.status, account.is_primary) == ("connected", True)
    assert AccountStatusChange.objects.filter(account=account, reason="MOVING worker-dead->worker-1").exists()
    (start,) = stand_in_worker.calls_to("POST", "/sessions")
    assert start[2]["session_id"] == account.session_id
    assert (start[2]["epoch"], start[2]["restore"]) == (5, True)


def test_nothing_moves_before_the_lease_has_expired(workspace, dead, worker_node, django_capture_on_commit_callbacks):
    account = with_stored_state(make_connected(workspace, worker=dead, lease_epoch=1, lease_expires_at=ago(-5)))
    assert run_failover(django_capture_on_commit_callbacks)["moved"] == []
    account.refresh_from_db()
    assert (account.worker_id, account.lease_epoch) == ("worker-dead", 1)


def test_a_linked_session_with_no_stored_state_is_lost_and_a_scanning_one_moves(
    workspace, dead, worker_node, django_capture_on_commit_callbacks
):
    unportable = make_connected(workspace, worker=dead, lease_epoch=1, lease_expires_at=ago(5))
    scanning = make_account(workspace, worker=dead, lease_epoch=1, lease_expires_at=ago(5), qr_code="2@old")

    result = run_failover(django_capture_on_commit_callbacks)

    assert result["moved"] == [scanning.session_id]
    assert result["lost"] == [unportable.session_id]
    unportable.refresh_from_db()
    scanning.refresh_from_db()
    assert (unportable.status, unportable.status_reason) == ("disconnected", "WORKER_LOST")
    assert (scanning.worker_id, scanning.status, scanning.qr_code) == ("worker-1", "qr_scanning", "")


def test_with_no_room_anywhere_it_is_lost_then_moves_when_room_appears(
    workspace, dead, worker_node, django_capture_on_commit_callbacks
):
    WorkerNode.objects.filter(pk=worker_node.pk).update(capacity=0)
    account = with_stored_state(make_connected(workspace, worker=dead, lease_epoch=1, lease_expires_at=ago(5)))
    assert run_failover(django_capture_on_commit_callbacks)["lost"] == [account.session_id]

    WorkerNode.objects.filter(pk=worker_node.pk).update(capacity=5)
    assert run_failover(django_capture_on_commit_callbacks)["moved"] == [account.session_id]
    account.refresh_from_db()
    assert (account.worker_id, account.lease_epoch, account.moving) == ("worker-1", 2, True)


def test_a_worker_that_comes_back_gets_no_lease_for_what_moved_and_is_told_to_stop_it(
    sender, workspace, dead, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    account = with_stored_state(make_connected(workspace, worker=dead, lease_epoch=1, lease_expires_at=ago(5)))
    run_failover(django_capture_on_commit_callbacks)

    WorkerNode.objects.filter(pk=dead.pk).update(base_url=stand_in_worker.base_url)  # back, at the stand-in
    stand_in_worker.names.add(dead.pk)
    with django_capture_on_commit_callbacks(execute=True):
        answer = Sender(Client(), key_for(dead.pk)).send(
            "worker_heartbeat",
            worker_id="worker-dead",
            data={
                "base_url": stand_in_worker.base_url,
                "capacity": 10,
                "sessions": {account.session_id: {"state": "READY", "epoch": 1}},
            },
        )

    assert answer["leases"] == {}
    assert stand_in_worker.calls_to("DELETE", f"/sessions/{account.session_id}?epoch=1")
    account.refresh_from_db()
    assert (account.worker_id, account.lease_epoch) == ("worker-1", 2)


def test_the_heartbeat_answer_lists_the_workers_leases(sender, workspace, worker_node):
    stored = with_stored_state(make_connected(workspace, worker=worker_node, lease_epoch=7))
    new = make_account(workspace, worker=worker_node, lease_epoch=1)
    answer = sender.send(
        "worker_heartbeat",
        worker_id="worker-1",
        data={"base_url": worker_node.base_url, "capacity": 10, "sessions": {}},
    )
    assert answer["lease_ttl_s"] == 15
    remaining = {session_id: lease.pop("expires_in_ms") for session_id, lease in answer["leases"].items()}
    assert answer["leases"] == {
        stored.session_id: {"epoch": 7, "workspace_id": str(workspace.pk), "restore": True},
        new.session_id: {"epoch": 1, "workspace_id": str(workspace.pk), "restore": False},
    }
    assert all(0 < ms <= 15_000 for ms in remaining.values())  # from the heartbeat just received
