"""On a phone screen (375 px wide) nothing scrolls sideways, the controls are big enough to tap, and the
Connect panel fits."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.scripted import account, with_qr

pytestmark = pytest.mark.django_db


def test_the_page_and_the_panel_fit_a_375_px_screen(page, scripted):
    page.set_viewport_size({"width": 375, "height": 740})
    ws = scripted.workspace_id
    scripted.accounts = {
        1: account(
            1, ws, "connected", phone_number="6281234567890", is_primary=True, push_name="A long push name " * 3
        ),
        2: account(2, ws, "disconnected", phone_number="971501234567", status_reason="CONNECTION_LOST"),
        3: account(3, ws, "authenticated"),
    }
    scripted.open(page)
    expect(page.locator("#accounts > li")).to_have_count(3)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375

    for button in page.locator("#accounts button, #connect-button").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44, button.inner_text()

    new = account(4, ws)
    scripted.answer("POST", f"/workspaces/{ws}/accounts", 201, new)
    page.click("#connect-button")
    scripted.push("qr_code_generated", with_qr(new, 1, 60))
    qr = page.locator("#connect-dialog [data-qr]")
    expect(qr).to_be_visible()
    dialog_box = page.locator("#connect-dialog").bounding_box()
    assert dialog_box["x"] >= 0 and dialog_box["x"] + dialog_box["width"] <= 375
    assert qr.bounding_box()["width"] >= 200, "the QR code stays large enough to scan"
