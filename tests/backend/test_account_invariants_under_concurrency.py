"""Real threads racing on PostgreSQL through the webhook and the services: the invariants hold and no
IntegrityError reaches anyone."""

import pytest
from django.test import Client

from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.accounts.services.endings import account_delete
from backend.accounts.services.primary import account_set_primary
from backend.inbox.models import EventOutcome, WebhookEvent
from tests.backend.testkit import Sender, make_account, make_connected, ready_data, run_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_sessions_connecting_one_phone_at_once_leave_one_live_primary_account(workspace, worker_key):
    for round_ in range(4):
        phone = f"49151000000{round_:02d}"
        accounts = [make_account(workspace), make_account(workspace)]
        events = [Sender(Client(), worker_key).event("session_ready", a, data=ready_data(phone)) for a in accounts]
        statuses: list[int] = []

        def deliver(i: int, events=events, statuses=statuses) -> None:
            statuses.append(Sender(Client(), worker_key).post(events[i]).status_code)

        assert run_threads(2, deliver) == []
        assert statuses == [200, 200]
        live = WhatsAppAccount.live.filter(workspace=workspace, phone_number=phone)
        assert live.count() == 1
        survivor = live.get()
        assert survivor.status == AccountStatus.CONNECTED
        assert WhatsAppAccount.live.filter(workspace=workspace, is_primary=True).count() == 1
        assert WhatsAppAccount.objects.filter(phone_number=phone, deleted_at__isnull=False).count() == 1


def test_many_first_connections_in_one_workspace_make_exactly_one_primary(workspace, worker_key):
    accounts = [make_account(workspace) for _ in range(8)]
    statuses: list[int] = []

    def connect(i: int) -> None:
        sender = Sender(Client(), worker_key)
        event = sender.event("session_ready", accounts[i], data=ready_data(f"4915200000{i:03d}"))
        statuses.append(sender.post(event).status_code)

    assert run_threads(len(accounts), connect) == []
    assert statuses == [200] * len(accounts)
    live = WhatsAppAccount.live.filter(workspace=workspace)
    assert live.filter(status=AccountStatus.CONNECTED).count() == len(accounts)
    assert live.filter(is_primary=True).count() == 1


def test_one_event_delivered_four_times_at_once_is_applied_once(workspace, worker_key):
    account = make_account(workspace)
    event = Sender(Client(), worker_key).event("session_ready", account, data=ready_data("4915300000001"))
    answers: list[str] = []

    def deliver(i: int) -> None:
        response = Sender(Client(), worker_key).post(event)
        answers.append(response.json()["status"])

    assert run_threads(4, deliver) == []
    assert sorted(answers) == ["applied", "duplicate", "duplicate", "duplicate"]
    assert WebhookEvent.objects.get().outcome == EventOutcome.APPLIED
    assert account.status_changes.filter(status=AccountStatus.CONNECTED).count() == 1


def test_racing_set_primary_calls_leave_one_primary(workspace):
    accounts = [make_connected(workspace, is_primary=(i == 0)) for i in range(6)]

    def set_primary(i: int) -> None:
        account_set_primary(account_id=accounts[i].pk)

    assert run_threads(len(accounts), set_primary) == []
    assert WhatsAppAccount.live.filter(workspace=workspace, is_primary=True).count() == 1


def test_deleting_the_primary_while_others_connect_leaves_one_primary(workspace, worker_key):
    primary = make_connected(workspace, is_primary=True)
    waiting = [make_account(workspace) for _ in range(5)]

    def act(i: int) -> None:
        if i == 0:
            account_delete(account_id=primary.pk)
        else:
            sender = Sender(Client(), worker_key)
            sender.send("session_ready", waiting[i - 1], data=ready_data(f"4915400000{i:03d}"))

    assert run_threads(len(waiting) + 1, act) == []
    assert WhatsAppAccount.live.filter(workspace=workspace, is_primary=True).count() == 1
