"""When the workspace WebSocket drops, the page polls meanwhile, reconnects with backoff, and catches up on
what changed while it was away; a refused socket (not a member) is not retried."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.scripted import account

pytestmark = pytest.mark.django_db


def test_the_socket_reconnects_and_the_page_catches_up(page, scripted):
    ws = scripted.workspace_id
    scripted.accounts = {1: account(1, ws, "connected", phone_number="6281234567890", is_primary=True)}
    scripted.open(page)
    mode = page.locator("#live-mode")
    expect(mode).to_have_attribute("data-mode", "live")

    scripted.block_socket = True
    scripted.sockets.pop().close(code=1012, reason="server restart")
    expect(mode).to_have_attribute("data-mode", "polling")
    # A change the page hears of by polling only (no broadcast reaches it).
    scripted.accounts[1] = {**scripted.accounts[1], "status": "disconnected", "status_reason": "CONNECTION_LOST"}
    status = page.locator('#accounts > li[data-account-id="1"] [data-status]')
    expect(status).to_have_attribute("data-status", "disconnected", timeout=20000)

    scripted.block_socket = False
    expect(mode).to_have_attribute("data-mode", "live", timeout=30000)
    scripted.accounts[1] = {**scripted.accounts[1], "status": "connected", "status_reason": ""}
    scripted.push("status_changed", scripted.accounts[1])
    expect(status).to_have_attribute("data-status", "connected")


def test_a_refused_socket_is_not_retried(page, scripted):
    refusals = []

    def refuse(ws) -> None:
        refusals.append(ws)
        ws.close(code=4403, reason="not a member")

    page.context.route_web_socket("ws://ui.test/ws/**", refuse)
    scripted.open(page)
    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "polling")
    page.wait_for_timeout(2500)  # longer than the first backoff delays
    assert len(refusals) == 1
