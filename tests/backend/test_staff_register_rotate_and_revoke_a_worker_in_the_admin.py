"""Staff register a worker in the admin: its credentials are shown once, on the page that answers the form (never
stored in a message or the session); the backend keeps the public key. Rotating a key shows the new one the same
way; revoking refuses the worker from then on."""

import re

import pytest

from backend.fleet.models import WorkerNode
from shared import identity

pytestmark = pytest.mark.django_db


def test_registration_shows_the_key_once_and_keeps_only_its_public_half(staff_client):
    page = staff_client.post(
        "/admin/fleet/workernode/add/", {"id": "worker-5", "base_url": "http://10.0.0.5:8001", "capacity": "30"}
    )
    assert page.status_code == 200
    private = re.search(r"WORKER_SIGNING_KEY=(whsk_\S+)", page.content.decode()).group(1)
    worker = WorkerNode.objects.get(pk="worker-5")
    assert worker.keys == [identity.public_of(private)] and (worker.base_url, worker.capacity) == (
        "http://10.0.0.5:8001",
        30,
    )
    assert private not in staff_client.get("/admin/fleet/workernode/").content.decode()  # not kept anywhere


def test_a_bad_registration_is_said_on_the_form(staff_client):
    page = staff_client.post("/admin/fleet/workernode/add/", {"id": "worker 5", "base_url": "ftp://x", "capacity": "3"})
    assert page.status_code == 200 and "1 to 64 of" in page.content.decode()
    assert not WorkerNode.objects.exists()


def test_rotate_and_revoke_are_actions(staff_client, worker_key):
    page = staff_client.post("/admin/fleet/workernode/", {"action": "rotate_key", "_selected_action": ["worker-1"]})
    assert "WORKER_SIGNING_KEY=whsk_" in page.content.decode()
    assert len(WorkerNode.objects.get(pk="worker-1").keys) == 2
    staff_client.post("/admin/fleet/workernode/", {"action": "revoke", "_selected_action": ["worker-1"]})
    assert WorkerNode.objects.get(pk="worker-1").revoked_at is not None
