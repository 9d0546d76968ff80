"""`manage.py health_summary` prints accounts by status per workspace and the workers' heartbeats."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.fleet.models import WorkerNode
from tests.backend.testkit import make_account, make_connected

pytestmark = pytest.mark.django_db


def test_it_prints_accounts_by_status_per_workspace_and_workers(workspace, other_workspace):
    make_connected(workspace)
    make_connected(workspace)
    make_account(workspace)
    make_account(other_workspace, status="failed")
    make_account(workspace, deleted_at=timezone.now())  # deleted: not counted
    WorkerNode.objects.create(
        id="worker-1", base_url="http://127.0.0.1:8001", capacity=20, last_heartbeat_at=timezone.now()
    )
    WorkerNode.objects.create(id="worker-2", base_url="http://127.0.0.1:8011", is_alive=False)

    out = io.StringIO()
    call_command("health_summary", stdout=out)
    text = out.getvalue()
    assert f"Acme (#{workspace.pk}): 3 (connected 2, qr_scanning 1)" in text
    assert f"Globex (#{other_workspace.pk}): 1 (failed 1)" in text
    assert "worker-1 alive http://127.0.0.1:8001 capacity 20" in text
    assert "worker-2 DEAD" in text and "last heartbeat never" in text


def test_it_says_so_when_there_is_nothing(db):
    out = io.StringIO()
    call_command("health_summary", stdout=out)
    assert "(no accounts)" in out.getvalue() and "(no workers)" in out.getvalue()
