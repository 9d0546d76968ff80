"""Reports of the same changes from several workspaces delivered at once (real threads on PostgreSQL) open exactly
one incident, with every report attached to it."""

import pytest
from django.test import Client

from backend.incidents.models import Incident, PageChangeReport
from tests.backend.incidents_kit import changed_data, workspaces
from tests.backend.testkit import Sender, make_connected, run_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_reports_open_one_incident(worker_key):
    for round_ in range(3):
        accounts = [make_connected(w, worker_id="worker-1") for w in workspaces(4)]
        build = f"2.3000.10300000{round_}"
        events = [
            Sender(Client(), worker_key).event("session_page_changed", a, data=changed_data(build)) for a in accounts
        ]
        statuses: list[int] = []

        def deliver(i: int, events=events, statuses=statuses) -> None:
            statuses.append(Sender(Client(), worker_key).post(events[i]).status_code)

        assert run_threads(len(events), deliver) == []
        assert statuses == [200] * len(events)
        incident = Incident.objects.get(closed_at__isnull=True)
        assert (
            PageChangeReport.objects.filter(incident=incident).count()
            == PageChangeReport.objects.filter(build=build).count()
            == len(events)
        )
        Incident.objects.update(closed_at=incident.opened_at)  # the next round starts with none open
