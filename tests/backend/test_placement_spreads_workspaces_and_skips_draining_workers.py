"""Placement: the live worker running the fewest of the workspace's accounts, then the one with the most
free capacity; never a dead, silent, draining or full one."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.fleet.models import WorkerNode
from backend.fleet.services.placement import worker_pick
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def worker(worker_id: str, capacity: int, **fields) -> WorkerNode:
    fields.setdefault("last_heartbeat_at", timezone.now())
    return WorkerNode.objects.create(id=worker_id, base_url="http://127.0.0.1:9", capacity=capacity, **fields)


def test_a_workspaces_accounts_spread_before_free_capacity_counts(workspace, other_workspace):
    roomy, small = worker("worker-a", 20), worker("worker-b", 5)
    make_connected(workspace, worker=roomy)
    assert worker_pick(workspace_id=workspace.pk) == small  # workspace already has one on the roomy worker
    assert worker_pick(workspace_id=other_workspace.pk) == roomy  # most free capacity


def test_dead_silent_draining_and_full_workers_are_skipped(workspace, settings):
    settings.WORKER_HEARTBEAT_TIMEOUT_S = 15
    worker("worker-dead", 10, is_alive=False)
    worker("worker-silent", 10, last_heartbeat_at=timezone.now() - dt.timedelta(seconds=16))
    worker("worker-draining", 10, draining=True)
    full = worker("worker-full", 1)
    make_connected(workspace, worker=full)
    assert worker_pick(workspace_id=workspace.pk) is None
    usable = worker("worker-ok", 1)
    assert worker_pick(workspace_id=workspace.pk) == usable
