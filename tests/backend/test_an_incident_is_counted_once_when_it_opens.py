"""``wa_backend_incidents_opened_total`` counts an incident once, when it opens (after its transaction commits);
the reports that attach to it later do not count again."""

import pytest
from prometheus_client import REGISTRY

from tests.backend.incidents_kit import changed_data, workspaces
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def opened() -> float:
    return REGISTRY.get_sample_value("wa_backend_incidents_opened_total") or 0.0


def test_an_incident_counts_once(sender, worker_node, django_capture_on_commit_callbacks):
    before = opened()
    accounts = [make_connected(w, worker=worker_node) for w in workspaces(4)]

    with django_capture_on_commit_callbacks(execute=True):
        for account in accounts:
            sender.send("session_page_changed", account, data=changed_data())

    assert opened() - before == 1
