"""WhatsApp Web ships a changed build, on a live stack of its own (its simulator's build changes under every
session it runs): three workspaces with linked sessions; the simulator switches to a build in which a module was
renamed and a member became async, and its pages reload.

- Each session reports ``session_page_changed`` naming the changed members and the build, within seconds of the
  switch (measured, printed and kept in timings.json), and is shown reconnecting: no QR, no scan asked for.
- One incident opens for the three workspaces, not three; the settings page (open in Chromium through the
  switch) shows its banner live, and Connect explains instead of starting a session (screenshots under
  artifacts/e2e/). No QR reaches the backend and the simulator shows none after the reload; no connect attempt is
  charged.
- ``manage.py whatsapp_web_pin`` of the previous build: every session is connected again on that build, from
  its kept login (no QR), the incident closes by itself, and the banner goes.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, open_live_settings
from tests.harness.people import run_django
from tests.harness.pool import keep_logs
from tests.reliability.stack import ReliabilityStack

pytestmark = pytest.mark.slow

KNOWN_GOOD, CHANGED = "2.3000.1030000000", "2.3000.1031000000"
PEOPLE = {"ines": "Ines's inks", "ivo": "Ivo's ivy", "isa": "Isa's isles"}
PHONES = {"ines": "4915123409101", "ivo": "4915123409102", "isa": "4915123409103"}


@pytest.fixture(scope="module")
def changing_stack(tmp_path_factory):
    live = ReliabilityStack(tmp_path_factory.mktemp("whatsapp-web-change"))
    try:
        with live:
            yield live
    finally:
        keep_logs(live, "e2e/stack-logs/whatsapp-web-change")


def open_incidents(stack) -> list[tuple]:
    return stack.sql("SELECT id, build FROM incidents_incident WHERE closed_at IS NULL")


def test_a_changed_build_opens_one_incident_and_a_pinned_build_brings_every_session_back(
    changing_stack, context, request
):
    stack = changing_stack
    shots = Shots(request.node.name)
    people = stack.make_people(PEOPLE)
    accounts = {}
    for username, person in people.items():
        account = stack.connect(workspace_id=person.workspace_id, token=person.token)
        accounts[username] = stack.link(account, phone_number=PHONES[username], token=person.token)
    session_ids = [account["session_id"] for account in accounts.values()]
    ines = people["ines"]
    stack.set_limits(ines.workspace_id, connects_per_hour=2)  # her link, and the last Connect: none between charged
    page = open_live_settings(context, stack, "ines")
    qr_events = stack.sql("SELECT count(*) FROM inbox_webhookevent WHERE type = 'qr_code_generated'")[0][0]

    switched = time.monotonic()
    stack.phone.set_build(CHANGED)

    def changed_reports() -> list | None:
        rows = stack.sql(
            "SELECT session_id, payload FROM inbox_webhookevent WHERE type = 'session_page_changed'"
            " AND session_id = ANY(%s)",
            (session_ids,),
        )
        return rows if {row[0] for row in rows} == set(session_ids) else None

    reports = stack.wait_until(changed_reports, within=60, what="every session's session_page_changed")
    took = time.monotonic() - switched
    shots.timing("switch -> every session reported session_page_changed (s)", took)
    print(f"the changed build: every session reported session_page_changed {took:.1f} s after the switch")
    for _, payload in reports:
        data = payload["data"]
        assert data["build"] == CHANGED
        changed = {(c["module"], c["member"], c["found"]) for c in data["changes"]}
        assert ("WAWebCmd", "Cmd.on", "missing module") in changed or any(m == "WAWebCmd" for m, _, _ in changed)
        assert any(m == "WAWebUserPrefsMultiDevice" and f == "async function" for m, _, f in changed)
    for username, account in accounts.items():
        shown = stack.wait_status(account["id"], "disconnected", token=people[username].token, within=30)
        assert shown["status_reason"] == "PAGE_CHANGED" and shown["reconnecting"]

    # One incident, for the three workspaces; the open page shows its banner live.
    stack.wait_until(lambda: len(open_incidents(stack)) == 1 or None, within=30, what="one incident open")
    [(_, build)] = open_incidents(stack)
    assert build == CHANGED
    banner = page.locator("#incident-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(CHANGED)
    expect(banner).to_contain_text("no new scan is needed")
    shots(page, "incident-banner")

    # Connect explains instead of starting a session that cannot work; nothing is charged.
    for _ in range(4):
        refused = stack.api("POST", f"/api/v1/workspaces/{ines.workspace_id}/accounts", token=ines.token)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "whatsapp_web_changed"
    page.click("#connect-button")
    alert = page.locator("#page-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("WhatsApp Web changed")
    expect(page.locator("#connect-dialog")).not_to_be_visible()
    shots(page, "connect-explains")

    # No session loops: no QR reaches the backend, and once the reloads are over the simulator shows none.
    qrs_shown = stack.phone.stats()["qrs_shown"]
    time.sleep(15)  # a window in which a loop would show: the worker's first backoff is 5 s
    assert stack.phone.stats()["qrs_shown"] == qrs_shown
    assert stack.sql("SELECT count(*) FROM inbox_webhookevent WHERE type = 'qr_code_generated'")[0][0] == qr_events
    assert stack.sql("SELECT count(*) FROM incidents_incident")[0][0] == 1

    # The operator pins the last build that booted clean: every session back, no QR; the incident closes.
    pinned = time.monotonic()
    run_django(stack, "from django.core.management import call_command\ncall_command('whatsapp_web_pin', spec)\n"
               "result = True\n", KNOWN_GOOD)  # fmt: skip
    for username, account in accounts.items():
        back = stack.wait_status(account["id"], "connected", token=people[username].token, within=120)
        assert back["qr_count"] == account["qr_count"]
    took = time.monotonic() - pinned
    shots.timing("pin -> every session connected again (s)", took)
    print(f"the pin: every session connected again {took:.1f} s after it")
    stack.wait_until(lambda: open_incidents(stack) == [] or None, within=30, what="the incident closed")
    expect(banner).to_be_hidden()
    shots(page, "back-on-the-pinned-build")
    assert stack.sql("SELECT count(*) FROM inbox_webhookevent WHERE type = 'qr_code_generated'")[0][0] == qr_events
    assert stack.phone.stats()["double_connections"] == 0
    assert stack.sql(
        "SELECT DISTINCT whatsapp_web_build FROM accounts_whatsappaccount WHERE session_id = ANY(%s)", (session_ids,)
    ) == [(KNOWN_GOOD,)]
    allowed = stack.api("POST", f"/api/v1/workspaces/{ines.workspace_id}/accounts", token=ines.token)
    assert allowed.status_code == 201, allowed.text  # none of the refused attempts was charged
