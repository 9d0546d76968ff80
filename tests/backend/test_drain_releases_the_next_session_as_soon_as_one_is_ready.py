"""Drain: at most ``batch`` sessions are between two workers at any time, and the next one is released as soon
as one of them is ready on its new worker, without waiting for the rest of its batch."""

import pytest
from django.utils import timezone

from backend.accounts.models import WhatsAppAccount
from backend.fleet.models import SessionAuthState, WorkerNode
from backend.fleet.services.drain import DrainResult, worker_drain
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def test_a_ready_session_frees_its_place_for_the_next(
    workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    stand_in_worker.names.add("worker-2")  # the stand-in plays both workers
    WorkerNode.objects.create(
        id="worker-2", base_url=stand_in_worker.base_url, capacity=10, last_heartbeat_at=timezone.now()
    )
    accounts = []
    for _ in range(3):
        account = make_connected(workspace, worker=worker_node, lease_epoch=1)
        SessionAuthState.objects.create(account=account, ciphertext=b"x", layout="shared", size=1, sha256="0", epoch=1)
        stand_in_worker.sessions[account.session_id] = "READY"
        accounts.append(account)
    first, second, third = accounts
    in_flight_at_each_release: list[int] = []

    def first_one_ready(result: DrainResult) -> None:
        """Its new worker reported the first session ready; the second never is (within this test)."""
        in_flight_at_each_release.append(WhatsAppAccount.objects.filter(moving=True).count())
        WhatsAppAccount.objects.filter(pk=first.pk).update(moving=False)

    with django_capture_on_commit_callbacks(execute=True):
        result = worker_drain(worker_id="worker-1", batch=2, timeout_s=1.0, on_progress=first_one_ready)

    assert (result.moved, result.left) == (3, 0)
    assert in_flight_at_each_release == [2, 2]  # never more than the batch between two workers
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.moving and (third.worker_id, third.lease_epoch) == ("worker-2", 2)
