"""Drain: the worker is marked draining (it takes no new session), then each session is released by it (its
final state stored) before it moves to another worker under a new lease; nothing moves off a worker that
cannot be reached."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from backend.accounts.models import WhatsAppAccount
from backend.fleet.models import SessionAuthState, WorkerNode
from backend.fleet.services.drain import worker_drain
from backend.fleet.services.placement import worker_pick
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(worker_node, stand_in_worker):
    stand_in_worker.names.add("worker-2")  # the stand-in plays both workers
    return WorkerNode.objects.create(
        id="worker-2", base_url=stand_in_worker.base_url, capacity=10, last_heartbeat_at=timezone.now()
    )


def linked_on(workspace, worker, count):
    accounts = []
    for _ in range(count):
        account = make_connected(workspace, worker=worker, lease_epoch=1)
        SessionAuthState.objects.create(account=account, ciphertext=b"x", layout="shared", size=1, sha256="0", epoch=1)
        accounts.append(account)
    return accounts


def test_each_session_is_released_then_moved_and_the_worker_takes_no_new_one(
    workspace, worker_node, target, stand_in_worker, django_capture_on_commit_callbacks
):
    accounts = linked_on(workspace, worker_node, 3)
    for account in accounts:
        stand_in_worker.sessions[account.session_id] = "READY"

    with django_capture_on_commit_callbacks(execute=True):
        result = worker_drain(worker_id="worker-1", batch=3, timeout_s=1.0)

    assert (result.total, result.moved, result.left) == (3, 3, 0)
    for account in accounts:
        account.refresh_from_db()
        assert (account.worker_id, account.lease_epoch, account.moving) == ("worker-2", 2, True)
        paths = [call[1] for call in stand_in_worker.calls]
        released = paths.index(f"/sessions/{account.session_id}/release")
        started = next(
            i for i, c in enumerate(stand_in_worker.calls) if c[2] and c[2].get("session_id") == account.session_id
        )
        assert released < started
    assert worker_pick(workspace_id=workspace.pk) == target
    assert WorkerNode.objects.get(pk="worker-1").draining


def test_a_session_its_worker_does_not_release_stays(
    workspace, worker_node, target, stand_in_worker, django_capture_on_commit_callbacks
):
    (account,) = linked_on(workspace, worker_node, 1)
    stand_in_worker.sessions[account.session_id] = "READY"
    stand_in_worker.fail_next = [503] * 20
    with django_capture_on_commit_callbacks(execute=True):
        result = worker_drain(worker_id="worker-1", batch=1, timeout_s=0.5)
    assert (result.moved, result.left) == (0, 1)
    assert WhatsAppAccount.objects.get(pk=account.pk).worker_id == "worker-1"


def test_the_command_names_an_unknown_worker_and_undo_takes_sessions_again(worker_node):
    with pytest.raises(CommandError, match="no worker 'worker-9'"):
        call_command("worker_drain", "worker-9")
    WorkerNode.objects.filter(pk="worker-1").update(draining=True)
    call_command("worker_drain", "worker-1", "--undo")
    assert not WorkerNode.objects.get(pk="worker-1").draining
