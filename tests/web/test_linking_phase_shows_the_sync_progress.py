"""After the scan the page says "Scanned - linking your phone", in the Connect panel and on the account's card,
with the phone's history sync: "Starting the history sync…" until its first report, then each percent as
the server broadcasts it, until "Connected: +62 ...". The server's first paint shows the same."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.factories import make_account
from tests.web.scripted import account, with_qr

pytestmark = pytest.mark.django_db
LINKING = "Scanned - linking your phone"


def test_the_panel_and_the_card_follow_the_sync_until_connected(page, scripted):
    row = account(41, scripted.workspace_id)
    scripted.answer("POST", f"/workspaces/{scripted.workspace_id}/accounts", 201, row)
    scripted.open(page)
    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "live")
    page.click("#connect-button")
    expect(page.locator("#connect-dialog")).to_have_attribute("data-account-id", "41")
    scripted.push("qr_code_generated", with_qr(row, 1, 60))
    panel = page.locator("#connect-dialog")
    card = page.locator('#accounts li[data-account-id="41"]')
    expect(panel.locator("[data-qr]")).to_have_attribute("data-qr-count", "1")

    scripted.push("status_changed", {**row, "status": "authenticated"})
    expect(panel.locator('[data-view="syncing"]')).to_be_visible()
    expect(panel.locator("[data-syncing-text]")).to_have_text(LINKING)
    expect(panel.locator("[data-sync-text]")).to_have_text("Starting the history sync…")
    expect(panel.locator("[data-sync-bar]")).to_have_js_property("position", -1)  # indeterminate
    expect(card.locator(".account-title")).to_have_text(LINKING)
    expect(card.locator("[data-sync-text]")).to_have_text("Starting the history sync…")

    for percent in (0, 40, 100):
        scripted.push("sync_progress", {**row, "status": "authenticated", "sync_percent": percent})
        expect(panel.locator("[data-sync-text]")).to_have_text(f"Syncing history: {percent}%")
        expect(panel.locator("[data-sync-bar]")).to_have_js_property("value", percent)
        expect(card.locator("[data-sync-text]")).to_have_text(f"Syncing history: {percent}%")
    expect(panel.locator("[data-syncing-text]")).to_have_text(LINKING)

    connected = {**row, "status": "connected", "sync_percent": 100, "phone_number": "6281234567890"}
    scripted.push("status_changed", connected)
    expect(panel.locator("[data-connected-text]")).to_have_text("Connected: +62 812-3456-7890")
    expect(card.locator("[data-sync-progress]")).to_have_count(0)


def test_the_first_paint_shows_an_account_linking_with_its_progress(owner_client, workspace):
    make_account(workspace, status="authenticated", sync_percent=60)
    make_account(workspace, status="authenticated")

    html = owner_client.get("/settings/whatsapp-accounts").content.decode()

    assert html.count(LINKING) == 3  # two cards and the panel's own text
    assert '<progress max="100" value="60" aria-label="History sync"></progress>' in html
    assert "Syncing history: 60%" in html
    assert "Starting the history sync…" in html
