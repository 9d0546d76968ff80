"""The fleet's counters: a heartbeat renews (and counts) every lease it is answered with; the beat job counts the
workers it marks dead, the expired leases it acts on, the sessions it moves (cause failover) and those it loses."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.fleet.models import SessionAuthState, WorkerNode
from backend.fleet.services.workers import worker_heartbeat
from backend.fleet.tasks import workers_mark_dead
from tests.backend.metrics_kit import count
from tests.backend.testkit import make_account, make_connected

pytestmark = pytest.mark.django_db


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def test_a_heartbeat_counts_the_leases_it_renews(workspace, worker_node, django_capture_on_commit_callbacks):
    make_account(workspace, worker=worker_node)
    make_connected(workspace, worker=worker_node)
    renewed = count("wa_backend_leases_renewed_total")
    with django_capture_on_commit_callbacks(execute=True):
        answer = worker_heartbeat(worker_id=worker_node.pk, sessions={})
    assert len(answer["leases"]) == 2
    assert count("wa_backend_leases_renewed_total") == renewed + 2


def test_the_beat_job_counts_dead_workers_expired_leases_moves_and_losses(
    workspace, worker_node, stand_in_worker, settings, django_capture_on_commit_callbacks
):
    settings.WORKER_HEARTBEAT_TIMEOUT_S = settings.SESSION_LEASE_TTL_S = 15
    dead = WorkerNode.objects.create(id="worker-dead", base_url="http://127.0.0.1:9", last_heartbeat_at=ago(20))
    movable = make_connected(workspace, worker=dead, lease_epoch=2, lease_expires_at=ago(5))
    SessionAuthState.objects.create(
        account=movable, ciphertext=b"sealed", layout="shared", size=6, sha256="0" * 64, epoch=2
    )
    make_connected(workspace, worker=dead, lease_epoch=2, lease_expires_at=ago(5))  # no stored state: lost
    before = {
        name: count(name, **labels)
        for name, labels in (
            ("wa_backend_workers_marked_dead_total", {}),
            ("wa_backend_leases_expired_total", {}),
            ("wa_backend_sessions_moved_total", {"cause": "failover"}),
            ("wa_backend_sessions_lost_total", {}),
            ("wa_backend_leases_granted_total", {}),
        )
    }
    with django_capture_on_commit_callbacks(execute=True):
        result = workers_mark_dead.delay().get()
    assert (len(result["dead"]), len(result["moved"]), len(result["lost"])) == (1, 1, 1)
    assert count("wa_backend_workers_marked_dead_total") == before["wa_backend_workers_marked_dead_total"] + 1
    assert count("wa_backend_leases_expired_total") == before["wa_backend_leases_expired_total"] + 2
    assert count("wa_backend_sessions_moved_total", cause="failover") == (before["wa_backend_sessions_moved_total"] + 1)
    assert count("wa_backend_sessions_lost_total") == before["wa_backend_sessions_lost_total"] + 1
    assert count("wa_backend_leases_granted_total") == before["wa_backend_leases_granted_total"] + 1
