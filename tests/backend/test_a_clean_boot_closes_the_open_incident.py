"""A session_booted (a clean boot) after an incident opened closes it (logged once with how long it lasted), and
Connect starts sessions again; staff can also close one by hand (manage.py incident_close)."""

import logging

import pytest
from django.core.management import call_command

from backend.accounts.services.connects import account_create
from backend.incidents.models import Incident
from tests.backend.incidents_kit import changed_data, workspaces
from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def _open_incident(sender, worker_node) -> list:
    accounts = [make_connected(w, worker=worker_node) for w in workspaces(2)]
    for account in accounts:
        sender.send("session_page_changed", account, data=changed_data())
    assert Incident.objects.filter(closed_at__isnull=True).count() == 1
    return accounts


def test_a_clean_boot_closes_it(sender, workspace, worker_node, caplog):
    accounts = _open_incident(sender, worker_node)

    with caplog.at_level(logging.INFO):
        sender.send("session_booted", accounts[0], data={"build": "2.3000.1019999999"})

    incident = Incident.objects.get()
    assert not incident.is_open and "2.3000.1019999999" in incident.closed_by
    assert [r for r in caplog.records if r.getMessage().startswith("incident closed after ")]
    assert account_create(workspace_id=workspace.pk).status == "qr_scanning"


def test_staff_close_one_by_hand(sender, worker_node):
    _open_incident(sender, worker_node)

    call_command("incident_close", str(Incident.objects.get().pk))

    assert not Incident.objects.get().is_open
