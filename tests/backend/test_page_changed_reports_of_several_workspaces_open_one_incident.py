"""session_page_changed reports with the same changes from INCIDENT_MIN_WORKSPACES workspaces within
INCIDENT_WINDOW_S open one incident (logged once); one workspace, or reports outside the window, open none; later
reports attach to the open one."""

import datetime as dt
import logging

import pytest

from backend.incidents.models import Incident, PageChangeReport
from backend.incidents.selectors import incident_affected
from tests.backend.incidents_kit import CHANGES, changed_data, workspaces
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def test_two_workspaces_within_the_window_open_one_incident(sender, worker_node, caplog):
    first, second, third = (make_connected(w, worker=worker_node) for w in workspaces(3))

    with caplog.at_level(logging.INFO):
        sender.send("session_page_changed", first, data=changed_data())
        assert not Incident.objects.exists()
        sender.send("session_page_changed", second, data=changed_data(changes=list(reversed(CHANGES))))
        sender.send("session_page_changed", third, data=changed_data())

    incident = Incident.objects.get()
    assert incident.is_open and incident.build == "2.3000.1020000000"
    assert incident_affected(incident_id=incident.pk) == (3, 3)
    opened = [r.getMessage() for r in caplog.records if r.getMessage().startswith("incident opened")]
    assert opened == [
        "incident opened: WhatsApp Web build 2.3000.1020000000 changed: WAWebCmd missing module, "
        f"WAWebSocketModel.Socket.state missing (2 workspaces; incident {incident.pk})"
    ]


def test_one_workspace_opens_none(sender, workspace, worker_node):
    for _ in range(3):
        sender.send("session_page_changed", make_connected(workspace, worker=worker_node), data=changed_data())

    assert not Incident.objects.exists()


def test_reports_outside_the_window_open_none(sender, worker_node, settings):
    first, second = (make_connected(w, worker=worker_node) for w in workspaces(2))
    sender.send("session_page_changed", first, data=changed_data())
    PageChangeReport.objects.update(at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=settings.INCIDENT_WINDOW_S + 5))

    sender.send("session_page_changed", second, data=changed_data())

    assert not Incident.objects.exists()


def test_other_changes_do_not_count_together(sender, worker_node):
    first, second = (make_connected(w, worker=worker_node) for w in workspaces(2))
    sender.send("session_page_changed", first, data=changed_data(changes=CHANGES[:1]))
    sender.send("session_page_changed", second, data=changed_data(changes=CHANGES[1:]))

    assert not Incident.objects.exists()
