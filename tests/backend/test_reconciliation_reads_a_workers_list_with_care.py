"""What reconciliation reads from a worker (`GET /sessions`) is checked before it is used: at most MAX_LISTED
sessions, each a session id, a known state and an epoch; a malformed entry is dropped (logged), a list that is not
one, or too long, is refused whole."""

import pytest

from backend.fleet import worker_client
from backend.fleet.worker_client import WorkerClient, WorkerError

pytestmark = pytest.mark.django_db


def listing(stand_in_worker, sessions):
    original = stand_in_worker.route

    def route(method, path, payload):
        if (method, path) == ("GET", "/sessions"):
            return 200, {"sessions": sessions}
        return original(method, path, payload)

    stand_in_worker.route = route


def test_malformed_entries_are_dropped_and_good_ones_kept(worker_node, stand_in_worker):
    listing(stand_in_worker, [
        {"session_id": "wa_good", "state": "READY", "epoch": 3},
        {"session_id": "wa_good2\n", "state": "READY", "epoch": 3},
        {"session_id": "wa_bad_state", "state": "PWNED", "epoch": 3},
        {"session_id": "wa_bad_epoch", "state": "READY", "epoch": "3"},
        {"session_id": "wa_bool_epoch", "state": "READY", "epoch": True},
        "not even an object",
        {"session_id": "../../etc", "state": "READY", "epoch": 1},
    ])  # fmt: skip
    assert WorkerClient(worker_node).list_sessions() == {"wa_good": {"state": "READY", "epoch": 3}}


def test_a_list_too_long_or_not_a_list_is_refused(worker_node, stand_in_worker, monkeypatch):
    monkeypatch.setattr(worker_client, "MAX_LISTED", 2)
    listing(stand_in_worker, [{"session_id": f"wa_{n}", "state": "READY", "epoch": 1} for n in range(3)])
    with pytest.raises(WorkerError, match="at most 2"):
        WorkerClient(worker_node).list_sessions()
    listing(stand_in_worker, {"wa_1": "READY"})
    with pytest.raises(WorkerError):
        WorkerClient(worker_node).list_sessions()
