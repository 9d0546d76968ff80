"""A session_booted records the build the session's page booted clean on: on the account (the API and the page show
it), on the timeline's rows written from then on, and in the list of known-good builds."""

import pytest

from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.endings import account_disconnect
from backend.incidents.models import WhatsAppWebBuild
from backend.live.messages import MessageType, account_message
from tests.backend.testkit import logged_in, make_connected

pytestmark = pytest.mark.django_db


def test_the_build_is_on_the_account_its_timeline_and_the_list(sender, workspace, owner, worker_node):
    account = make_connected(workspace, worker=worker_node)

    sender.send("session_booted", account, data={"build": "2.3000.1019999999"})
    sender.send("session_booted", account, data={"build": "2.3000.1019999999"})
    account_disconnect(account_id=account.pk, reason="CONNECTION_LOST")

    account = WhatsAppAccount.objects.get(pk=account.pk)
    assert account.whatsapp_web_build == "2.3000.1019999999"
    assert account.status_changes.last().whatsapp_web_build == "2.3000.1019999999"
    known = WhatsAppWebBuild.objects.get()
    assert (known.build, known.sessions_booted) == ("2.3000.1019999999", 2)
    assert account_message(MessageType.STATUS_CHANGED, account)["account"]["whatsapp_web_build"] == "2.3000.1019999999"
    client = logged_in(owner)
    detail = client.get(f"/api/v1/accounts/{account.pk}").json()
    assert detail["whatsapp_web_build"] == "2.3000.1019999999"
    assert detail["history"][-1]["whatsapp_web_build"] == "2.3000.1019999999"
    page = client.get(f"/settings/whatsapp-accounts?workspace={workspace.pk}").content.decode()
    assert "2.3000.1019999999" in page
    state = client.get(f"/settings/whatsapp-accounts/state?workspace={workspace.pk}").json()
    assert state["accounts"][0]["timeline"][-1]["build"] == "2.3000.1019999999"
