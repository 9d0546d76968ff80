"""`manage.py worker_revoke NAME` takes effect at once: every request of the worker is refused 401 (events,
heartbeats, auth states), placement skips it, and its sessions move to the other workers (opened there from their
stored auth states: no QR) as soon as their leases have run out, which it can no longer renew."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backend.fleet.models import SessionAuthState, WorkerNode
from backend.fleet.services.placement import worker_pick
from backend.fleet.tasks import workers_mark_dead
from tests.backend.authstate import auth_state_request, put_state, storage_state
from tests.backend.testkit import Sender, make_connected, qr_data, register_worker

pytestmark = pytest.mark.django_db


def test_its_requests_are_refused_at_once_and_its_sessions_move_once_their_leases_end(
    workspace, worker_key, stand_in_worker, django_capture_on_commit_callbacks, settings
):
    settings.SESSION_LEASE_TTL_S = 15
    account = make_connected(workspace, worker_id="worker-1", lease_epoch=2)
    assert put_state(worker_key, account.session_id, storage_state(), epoch=2).status_code == 204
    register_worker("worker-2", base_url=stand_in_worker.base_url)
    stand_in_worker.names.add("worker-2")

    call_command("worker_revoke", "worker-1", stdout=io.StringIO())

    sender = Sender(Client(), worker_key)
    assert sender.post(sender.event("qr_code_generated", account, data=qr_data())).json()["error"] == "revoked worker"
    assert auth_state_request(Client(), worker_key, "GET", account.session_id, epoch=2).status_code == 401
    assert worker_pick(workspace_id=workspace.pk).id == "worker-2"

    # Its lease runs out (it cannot renew it): the session moves, from its stored state.
    ago = timezone.now() - dt.timedelta(seconds=20)
    WorkerNode.objects.filter(pk="worker-1").update(last_heartbeat_at=ago)
    type(account).objects.filter(pk=account.pk).update(lease_expires_at=ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert workers_mark_dead.delay().get()["moved"] == [account.session_id]
    account.refresh_from_db()
    assert (account.worker_id, account.lease_epoch, account.moving) == ("worker-2", 3, True)
    assert SessionAuthState.objects.filter(account=account).exists()
    assert stand_in_worker.calls_to("POST", "/sessions")[0][2]["restore"] is True  # no QR: from its stored state
