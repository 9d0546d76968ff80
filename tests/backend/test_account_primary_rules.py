"""Auto-primary, set primary, duplicate phone numbers: the services keep the invariants, never raising."""

import pytest

from backend.accounts.errors import AccountStateConflict
from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.accounts.services.endings import account_delete, account_logout
from backend.accounts.services.primary import account_set_primary
from tests.backend.testkit import make_account, make_connected, ready_data

pytestmark = pytest.mark.django_db


def primaries(workspace):
    return list(WhatsAppAccount.live.filter(workspace=workspace, is_primary=True).values_list("pk", flat=True))


def test_the_first_account_to_connect_becomes_primary_and_the_second_does_not(sender, workspace):
    first, second = make_account(workspace), make_account(workspace)
    sender.send("session_ready", first, data=ready_data("4915100000001"))
    sender.send("session_ready", second, data=ready_data("4915100000002"))
    assert primaries(workspace) == [first.pk]


def test_a_second_session_of_the_same_phone_takes_the_older_ones_place(sender, workspace):
    older, newer = make_account(workspace), make_account(workspace)
    sender.send("session_ready", older, data=ready_data("4915100000001"))
    sender.send("session_ready", newer, data=ready_data("4915100000001"))

    live = WhatsAppAccount.live.filter(workspace=workspace)
    assert list(live.values_list("pk", flat=True)) == [newer.pk]
    assert primaries(workspace) == [newer.pk]  # it kept the primary flag
    older.refresh_from_db()
    assert older.deleted_at is not None
    assert older.status_changes.last().reason == "DELETED:REPLACED"


def test_the_replaced_session_is_logged_out_on_its_worker(
    sender, workspace, worker_node, stand_in_worker, django_capture_on_commit_callbacks
):
    stand_in_worker.sessions["wa_old"] = "READY"
    older = make_account(workspace, session_id="wa_old", worker=worker_node)
    newer = make_account(workspace, worker=worker_node)
    sender.send("session_ready", older, data=ready_data("4915100000001"))
    with django_capture_on_commit_callbacks(execute=True):
        sender.send("session_ready", newer, data=ready_data("4915100000001"))
    assert stand_in_worker.calls_to("POST", "/sessions/wa_old/logout")


def test_set_primary_moves_the_flag(workspace):
    make_connected(workspace, is_primary=True)
    second = make_connected(workspace)
    account_set_primary(account_id=second.pk)
    assert primaries(workspace) == [second.pk]


def test_only_a_connected_account_can_be_primary(workspace):
    waiting = make_account(workspace)
    with pytest.raises(AccountStateConflict):
        account_set_primary(account_id=waiting.pk)


def test_logging_out_the_primary_promotes_the_oldest_connection(workspace):
    primary = make_connected(workspace, is_primary=True)
    oldest = make_connected(workspace)
    make_connected(workspace)
    make_account(workspace)  # not connected: never promoted
    account_logout(account_id=primary.pk)
    primary.refresh_from_db()
    assert primary.status == AccountStatus.LOGGED_OUT
    assert primaries(workspace) == [oldest.pk]


def test_deleting_the_primary_promotes_the_oldest_connection(workspace):
    primary = make_connected(workspace, is_primary=True)
    oldest = make_connected(workspace)
    account_delete(account_id=primary.pk)
    assert primaries(workspace) == [oldest.pk]


def test_a_logout_from_the_phone_moves_the_primary_flag(sender, workspace):
    primary = make_connected(workspace, is_primary=True)
    other = make_connected(workspace)
    sender.send("session_disconnected", primary, data={"reason": "LOGOUT"})
    assert primaries(workspace) == [other.pk]


def test_a_dropped_connection_keeps_the_primary_flag(sender, workspace):
    primary = make_connected(workspace, is_primary=True)
    make_connected(workspace)
    sender.send("session_disconnected", primary, data={"reason": "CONNECTION_LOST"})
    assert primaries(workspace) == [primary.pk]
