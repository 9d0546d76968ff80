"""An affected workspace's settings page shows the incident's banner (rendered by the server): the build, the
changed members, and that no new scan is needed; once the incident closes, it does not."""

import pytest

from backend.incidents.models import Incident
from backend.incidents.services import incident_close
from tests.backend.incidents_kit import changed_data
from tests.backend.testkit import logged_in, make_connected

pytestmark = pytest.mark.django_db


def test_the_banner_shows_while_open(sender, workspace, other_workspace, owner, worker_node):
    for w in (workspace, other_workspace):
        sender.send("session_page_changed", make_connected(w, worker=worker_node), data=changed_data())
    client = logged_in(owner)

    page = client.get(f"/settings/whatsapp-accounts?workspace={workspace.pk}").content.decode()

    assert 'id="incident-banner" class="alert incident-banner" role="status" aria-live="polite">' in page
    assert "WhatsApp Web changed (build 2.3000.1020000000): WAWebCmd missing module" in page
    assert "no new scan is needed" in page

    incident_close(incident_id=Incident.objects.get().pk, by="test")
    page = client.get(f"/settings/whatsapp-accounts?workspace={workspace.pk}").content.decode()
    assert 'aria-live="polite" hidden>' in page and "WAWebCmd missing module" not in page
