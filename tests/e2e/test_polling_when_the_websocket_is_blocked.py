"""With the workspace WebSocket blocked, the page says it is polling and still gets there: connect, scan,
and the formatted number with the primary badge appear by polling every 3 s, without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, panel_account_id, shown_qr, sign_in
from tests.harness.people import make_people

pytestmark = pytest.mark.slow


def test_the_page_gets_there_by_polling_when_the_websocket_is_blocked(context, stack, phone, request):
    shots = Shots(request.node.name)
    person = make_people(stack, {"paula": "Paula's shop"})["paula"]
    sockets: list[str] = []

    def refuse(ws) -> None:
        sockets.append(ws.url)
        ws.close(code=1011, reason="blocked by the test")

    context.route_web_socket(re.compile(r"/ws/workspaces/"), refuse)
    page = context.new_page()
    sign_in(page, stack, "paula")
    page.evaluate("() => { window.__sameDocument = true; }")
    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "polling")
    expect(page.locator("#live-mode")).to_have_text("Live updates paused: checking every 3 s")
    shots(page, "polling")

    page.click("#connect-button")
    account_id = panel_account_id(page)
    expect(page.locator("#connect-dialog [data-qr] svg")).to_be_visible()
    shots(page, "qr-by-polling")
    phone.scan_shown(lambda: shown_qr(page, person.workspace_id, account_id), phone_number="6281399887766")

    dialog = page.locator("#connect-dialog")
    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 813-9988-7766")
    expect(dialog.locator("[data-connected-primary]")).to_be_visible()
    dialog.locator("[data-done]").click()
    account = page.locator(f'#accounts li[data-account-id="{account_id}"]')
    expect(account.locator(".account-title")).to_have_text("+62 813-9988-7766")
    expect(account.locator("[data-primary]")).to_be_visible()
    shots(page, "connected-by-polling")

    assert sockets, "the page tried the WebSocket"
    assert page.evaluate("() => window.__sameDocument === true"), "the page never reloaded"
    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "polling")
