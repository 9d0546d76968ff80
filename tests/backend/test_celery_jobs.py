"""The beat jobs (expire QRs, mark dead workers, reconcile with the workers) and the worker commands'
retries, run eagerly against a stand-in worker over real HTTP."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.accounts.tasks import accounts_expire_stale_qr
from backend.fleet.models import WorkerNode
from backend.fleet.tasks import _backoff, session_start, workers_mark_dead, workers_reconcile_all
from backend.inbox.models import WebhookEvent
from backend.inbox.tasks import webhook_events_prune
from shared import identity
from tests.backend.testkit import Sender, WorkerKey, make_account, make_connected, register_worker

pytestmark = pytest.mark.django_db


def ago(seconds: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def test_accounts_stuck_in_qr_scanning_past_the_qr_lifetime_fail(
    workspace, worker_node, stand_in_worker, settings, django_capture_on_commit_callbacks
):
    settings.QR_LIFETIME_S = 120
    stand_in_worker.sessions["wa_stuck"] = "SCAN_QR_CODE"
    stuck = make_account(workspace, session_id="wa_stuck", worker=worker_node, status_changed_at=ago(121))
    fresh = make_account(workspace, worker=worker_node, status_changed_at=ago(100))
    connected = make_connected(workspace, status_changed_at=ago(1000))

    with django_capture_on_commit_callbacks(execute=True):
        assert accounts_expire_stale_qr.delay().get() == ["wa_stuck"]

    statuses = dict(WhatsAppAccount.objects.values_list("pk", "status"))
    assert statuses == {stuck.pk: "failed", fresh.pk: "qr_scanning", connected.pk: "connected"}
    assert WhatsAppAccount.objects.get(pk=stuck.pk).status_reason == "QR_EXPIRED"
    assert stand_in_worker.calls_to("DELETE", "/sessions/wa_stuck")


def test_a_worker_without_heartbeats_is_marked_dead_and_its_unportable_accounts_disconnected(workspace, settings):
    settings.WORKER_HEARTBEAT_TIMEOUT_S = 30
    silent = WorkerNode.objects.create(id="silent", base_url="http://127.0.0.1:9", last_heartbeat_at=ago(31))
    alive = WorkerNode.objects.create(id="alive", base_url="http://127.0.0.1:9", last_heartbeat_at=ago(5))
    lost = make_connected(workspace, worker=silent, is_primary=True)
    kept = make_connected(workspace, worker=alive)

    # No auth state stored and nowhere to go: it cannot move without a QR (test_failover_* covers the moves).
    assert workers_mark_dead.delay().get() == {"dead": ["silent"], "moved": [], "lost": [lost.session_id]}

    silent.refresh_from_db()
    lost.refresh_from_db()
    kept.refresh_from_db()
    assert silent.is_alive is False
    assert (lost.status, lost.status_reason, lost.is_primary) == ("disconnected", "WORKER_LOST", True)
    assert kept.status == "connected"
    assert workers_mark_dead.delay().get() == {"dead": [], "moved": [], "lost": []}  # nothing more to do


def test_a_heartbeat_revives_its_registered_worker_and_never_changes_its_url_or_capacity(db):
    key = register_worker("worker-7", base_url="http://10.0.0.7:8001", capacity=12, is_alive=False)
    heartbeat = {"base_url": "http://attacker.example:1", "capacity": 1000, "sessions": {}}
    Sender(Client(), key).send("worker_heartbeat", worker_id="worker-7", data=heartbeat)
    worker = WorkerNode.objects.get(id="worker-7")
    assert (worker.base_url, worker.capacity, worker.is_alive) == ("http://10.0.0.7:8001", 12, True)
    assert worker.last_heartbeat_at is not None


def test_a_heartbeat_of_an_unregistered_worker_registers_nothing(db):
    stranger = WorkerKey("worker-8", identity.new_key_pair().private)
    heartbeat = {"base_url": "http://127.0.0.1:8001", "capacity": 12, "sessions": {}}
    refused = Sender(Client(), stranger).post(Sender(Client(), stranger).event("worker_heartbeat", data=heartbeat))
    assert (refused.status_code, refused.json()["error"]) == (401, "unknown worker")
    assert not WorkerNode.objects.filter(id="worker-8").exists()


def test_a_heartbeat_reconciles_what_runs_with_what_should(
    sender, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    missing = make_connected(workspace, worker=worker_node)  # should run, not reported: in the answer's leases
    lost = make_account(
        workspace, worker=worker_node, status="disconnected", status_reason="WORKER_LOST", phone_number="4915199"
    )
    crashed = make_connected(workspace, worker=worker_node, status_changed_at=ago(60))  # reported FAILED
    deleted = make_connected(workspace, worker=worker_node, deleted_at=timezone.now())  # reported: stopped
    reported = {crashed.session_id: "FAILED", deleted.session_id: "READY", "wa_stray": "SCAN_QR_CODE"}
    stand_in_worker.sessions.update({deleted.session_id: "READY", "wa_stray": "SCAN_QR_CODE"})

    with django_capture_on_commit_callbacks(execute=True):
        answer = sender.send(
            "worker_heartbeat",
            worker_id=worker_node.id,
            data={"base_url": stand_in_worker.base_url, "capacity": 10, "sessions": reported},
        )

    # What should run there and does not is started by the worker itself, from the answer's leases.
    assert stand_in_worker.calls_to("POST", "/sessions") == []
    assert {missing.session_id, lost.session_id} <= set(answer["leases"])
    stopped = {c[1].split("/")[2].split("?")[0] for c in stand_in_worker.calls_to("DELETE", "/sessions/")}
    assert stopped == {deleted.session_id, "wa_stray"}
    crashed.refresh_from_db()
    assert (crashed.status, crashed.status_reason) == ("disconnected", "WORKER_FAILED")


def test_the_periodic_reconciliation_asks_each_live_worker(
    workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    account = make_connected(workspace, worker=worker_node, status_changed_at=ago(60))
    stand_in_worker.sessions[account.session_id] = "STOPPED"
    with django_capture_on_commit_callbacks(execute=True):
        result = workers_reconcile_all.delay().get()
    assert result == {"worker-1": "stop 0, disconnect 1"}
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED


def test_starting_a_session_is_retried_until_the_worker_answers(workspace, worker_node, stand_in_worker):
    account = make_account(workspace, worker=worker_node)
    stand_in_worker.fail_next = [503, 502]
    assert session_start.delay(account_id=account.pk, session_id=account.session_id, epoch=0).get() == "started"
    assert len(stand_in_worker.calls_to("POST", "/sessions")) == 3
    account.refresh_from_db()
    assert account.status == AccountStatus.QR_SCANNING


def test_an_unreachable_worker_fails_the_account_after_the_last_retry(workspace):
    worker = WorkerNode.objects.create(id="gone", base_url="http://127.0.0.1:9", last_heartbeat_at=timezone.now())
    account = make_account(workspace, worker=worker)
    assert session_start.delay(account_id=account.pk, session_id=account.session_id, epoch=0).get() == "failed"
    account.refresh_from_db()
    assert (account.status, account.status_reason) == ("failed", "WORKER_UNREACHABLE")


def test_the_backoff_grows_and_is_capped():
    assert [_backoff(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_start_for_a_replaced_session_is_skipped(workspace, worker_node, stand_in_worker):
    account = make_account(workspace, worker=worker_node)
    assert session_start.delay(account_id=account.pk, session_id="wa_older", epoch=0).get() == "skipped"
    assert stand_in_worker.calls == []


def test_the_inbox_forgets_events_older_than_the_retention(sender, workspace, settings):
    settings.WEBHOOK_INBOX_RETENTION_DAYS = 7
    sender.send("session_authenticated", make_account(workspace))
    sender.send("session_authenticated", make_account(workspace))
    WebhookEvent.objects.filter(pk=WebhookEvent.objects.first().pk).update(received_at=ago(8 * 86400))
    assert webhook_events_prune.delay().get() == 1
    assert WebhookEvent.objects.count() == 1


def test_a_heartbeat_older_than_the_last_status_change_does_not_disconnect(sender, workspace, worker_node):
    account = make_connected(workspace, worker=worker_node)  # connected just now, by an event
    stale_report = sender.event(
        "worker_heartbeat",
        worker_id=worker_node.id,
        occurred_at=ago(5).isoformat(),
        data={"base_url": worker_node.base_url, "capacity": 10, "sessions": {account.session_id: "DISCONNECTED"}},
    )
    assert sender.post(stale_report).status_code == 200
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED


def test_a_full_worker_hands_the_new_session_to_another(workspace, django_capture_on_commit_callbacks):
    from tests.backend.testkit import StandInWorker

    full, spare = StandInWorker("a-full"), StandInWorker("b-spare")
    try:
        now = timezone.now()
        full_node = WorkerNode.objects.create(id="a-full", base_url=full.base_url, capacity=5, last_heartbeat_at=now)
        WorkerNode.objects.create(id="b-spare", base_url=spare.base_url, capacity=2, last_heartbeat_at=now)
        full.full, full.fail_next = True, [503]
        account = make_account(workspace, worker=full_node)
        with django_capture_on_commit_callbacks(execute=True):
            started = session_start.delay(account_id=account.pk, session_id=account.session_id, epoch=0)
            assert started.get() == "moved"
        account.refresh_from_db()
        assert (account.worker_id, account.lease_epoch) == ("b-spare", 1)
        assert spare.calls_to("POST", "/sessions")[0][2]["session_id"] == account.session_id
    finally:
        full.close()
        spare.close()
