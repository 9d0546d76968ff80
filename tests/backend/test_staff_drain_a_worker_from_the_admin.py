"""The admin's "Drain" action goes through the drain task and service: the worker takes no new session (and its
sessions move, which test_drain_moves_each_session_after_its_worker_released_it.py proves of the service);
"Stop draining" gives it sessions again."""

import pytest
from django.test import Client
from django.utils import timezone

from backend.fleet.models import WorkerNode
from backend.fleet.services.placement import worker_pick

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_worker(worker_node, stand_in_worker) -> WorkerNode:
    return WorkerNode.objects.create(
        id="worker-2", base_url=stand_in_worker.base_url, capacity=1, last_heartbeat_at=timezone.now()
    )


def act(client: Client, action: str, worker_id: str) -> None:
    response = client.post("/admin/fleet/workernode/", {"action": action, "_selected_action": [worker_id]})
    assert response.status_code == 302


def test_drain_then_stop_draining(staff_client, workspace, worker_node, other_worker):
    assert worker_pick(workspace_id=workspace.pk) == worker_node  # the most free capacity

    act(staff_client, "drain", "worker-1")
    assert WorkerNode.objects.get(pk="worker-1").draining
    assert worker_pick(workspace_id=workspace.pk) == other_worker
    page = staff_client.get("/admin/fleet/workernode/")
    assert b"Draining 1 worker(s)" in page.content

    act(staff_client, "undrain", "worker-1")
    assert not WorkerNode.objects.get(pk="worker-1").draining
    assert worker_pick(workspace_id=workspace.pk) == worker_node
