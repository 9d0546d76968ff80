"""The Connect panel in Chromium against a scripted backend: it follows each QR with its countdown, waits up
to 18 s for the phone number after the scan before saying the phone is still syncing (never "Unknown
Number"), and says clearly what went wrong: no worker, an expired code, a duplicate number merged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.web.scripted import account, with_qr

pytestmark = pytest.mark.django_db


def start_connect(page, scripted, account_id: int = 41):
    row = account(account_id, scripted.workspace_id)
    scripted.answer("POST", f"/workspaces/{scripted.workspace_id}/accounts", 201, row)
    scripted.open(page)
    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "live")
    page.click("#connect-button")
    expect(page.locator("#connect-dialog [data-panel-status]")).to_have_text("Preparing your QR code…")
    expect(page.locator("#connect-dialog")).to_have_attribute("data-account-id", str(account_id))
    return row


def test_it_follows_each_qr_rotation_with_its_countdown(page, scripted):
    row = start_connect(page, scripted)
    qr = page.locator("#connect-dialog [data-qr]")
    scripted.push("qr_code_generated", with_qr(row, 1, 60))
    expect(qr).to_have_attribute("data-qr-count", "1")
    expect(qr.locator("svg")).to_have_attribute("viewBox", "0 0 100 100")
    # The message carries the QR string; the page fetched its SVG at once (not at the next poll).
    assert ("GET", f"/accounts/{row['id']}/qr.svg", None) in scripted.requests
    expect(page.locator("#connect-dialog [data-qr-countdown]")).to_have_text(
        re.compile(r"This code stays valid for (59|60|61) s\.")
    )
    scripted.push("qr_code_generated", with_qr(row, 2, 20))
    expect(qr).to_have_attribute("data-qr-count", "2")
    expect(page.locator("#connect-dialog [data-panel-status]")).to_have_text(
        "A new QR code is showing. Scan it with WhatsApp."
    )


def test_after_the_scan_it_waits_18_s_for_the_number_then_says_it_is_still_syncing(page, scripted):
    page.clock.install()
    row = start_connect(page, scripted)
    scripted.push("qr_code_generated", with_qr(row, 1, 60))
    expect(page.locator("#connect-dialog [data-qr]")).to_have_attribute("data-qr-count", "1")
    # From here the page's time moves only when the test moves it.
    page.clock.pause_at(dt.datetime.fromtimestamp(page.evaluate("() => Date.now()") / 1000 + 1, dt.UTC))
    scripted.push("status_changed", {**row, "status": "authenticated"})
    syncing = page.locator("#connect-dialog [data-syncing-text]")
    expect(page.locator('#connect-dialog [data-view="syncing"]')).to_be_visible()
    expect(syncing).to_have_text("Scanned - linking your phone")
    page.clock.fast_forward(17_000)
    expect(syncing).to_have_text("Scanned - linking your phone")
    page.clock.fast_forward(2_000)
    expect(syncing).to_contain_text("Still syncing with your phone")
    assert "unknown" not in page.locator("body").inner_text().lower()
    scripted.push("status_changed", {**row, "status": "connected", "phone_number": "6281234567890", "is_primary": True})
    expect(page.locator("#connect-dialog [data-connected-text]")).to_have_text("Connected: +62 812-3456-7890")
    expect(page.locator("#connect-dialog [data-connected-primary]")).to_be_visible()


def test_no_worker_available_is_said_clearly_and_try_again_retries(page, scripted):
    detail = {"error": "no_worker", "detail": "no session worker has free capacity"}
    scripted.answer("POST", f"/workspaces/{scripted.workspace_id}/accounts", 503, detail)
    scripted.open(page)
    page.click("#connect-button")
    failed = page.locator("#connect-dialog [data-failed-text]")
    expect(failed).to_have_text(
        "No WhatsApp worker is available right now, so no QR code can be shown. Try again in a minute."
    )
    expect(page.locator("#connect-dialog [data-retry]")).to_be_focused()
    scripted.answer("POST", f"/workspaces/{scripted.workspace_id}/accounts", 201, account(42, scripted.workspace_id))
    page.keyboard.press("Enter")
    expect(page.locator("#connect-dialog")).to_have_attribute("data-account-id", "42")
    assert [r[:2] for r in scripted.requests].count(("POST", f"/workspaces/{scripted.workspace_id}/accounts")) == 2


def test_an_expired_qr_offers_a_new_one(page, scripted):
    row = start_connect(page, scripted)
    scripted.push("qr_code_generated", with_qr(row, 6, 20))
    scripted.push("status_changed", {**row, "status": "failed", "status_reason": "QR_EXPIRED"})
    expect(page.locator("#connect-dialog [data-view=expired]")).to_be_visible()
    expect(page.locator("#connect-dialog [data-new-code]")).to_be_focused()
    scripted.answer("POST", f"/accounts/{row['id']}/reconnect", 200, {**row, "status": "qr_scanning"})
    page.click("#connect-dialog [data-new-code]")
    expect(page.locator("#connect-dialog [data-panel-status]")).to_have_text("Preparing a new QR code…")
    assert ("POST", f"/accounts/{row['id']}/reconnect") in [r[:2] for r in scripted.requests]


def test_a_duplicate_number_merged_is_said_in_the_panel_and_the_list(page, scripted):
    old = account(7, scripted.workspace_id, "connected", phone_number="6281234567890", is_primary=True)
    scripted.accounts[7] = old
    row = start_connect(page, scripted)
    expect(page.locator('#accounts > li[data-account-id="7"]')).to_be_visible()
    scripted.push("account_deleted", {**old, "deleted": True, "is_primary": False})
    del scripted.accounts[7]
    scripted.push("status_changed", {**row, "status": "connected", "phone_number": "6281234567890", "is_primary": True})
    expect(page.locator("#connect-dialog [data-connected-text]")).to_have_text("Connected: +62 812-3456-7890")
    expect(page.locator("#connect-dialog [data-connected-note]")).to_contain_text(
        "This phone number was already connected to this workspace"
    )
    expect(page.locator("#live-status")).to_contain_text("already connected to this workspace")
    expect(page.locator("#accounts > li")).to_have_count(1)


def test_the_pairing_code_alternative(page, scripted):
    row = start_connect(page, scripted)
    scripted.push("qr_code_generated", with_qr(row, 1, 60))
    page.click("text=Link with phone number instead")
    phone = page.get_by_label("Phone number, with its country code")
    expect(phone).to_be_focused()
    expect(page.locator("#connect-steps")).to_be_hidden()  # the QR's instructions are gone
    scripted.push("qr_code_generated", with_qr(row, 2, 20))  # a rotation behind the form
    expect(page.locator("#connect-dialog [data-panel-status]")).to_contain_text("Link with a phone number")
    expect(page.locator("#connect-dialog [data-panel-status]")).not_to_contain_text("QR")
    phone.fill(" ")
    page.keyboard.press("Enter")
    expect(page.locator("#pairing-error")).to_contain_text("with its country code")
    expect(phone).to_have_attribute("aria-invalid", "true")

    phone.fill("+1 555")  # the server reads the number and says what is wrong with it
    scripted.answer(
        "POST",
        f"/accounts/{row['id']}/pairing-code",
        400,
        {"error": "invalid_phone_number", "detail": "+1 555 is too short for +1 (US).", "field": "phone_number"},
    )
    page.keyboard.press("Enter")
    expect(page.locator("#pairing-error")).to_contain_text("+1 555 is too short for +1 (US).")

    phone.fill("+62 812 3456 7890")
    scripted.answer("POST", f"/accounts/{row['id']}/pairing-code", 404, {"error": "not_found"})
    page.keyboard.press("Enter")
    expect(page.locator("#pairing-error")).to_contain_text("not available on this server")

    scripted.answer("POST", f"/accounts/{row['id']}/pairing-code", 200, {"code": "ABCD1234"})
    page.keyboard.press("Enter")
    code = page.locator("#connect-dialog [data-pairing-code]")
    expect(code.locator("[data-pairing-code-text]")).to_have_text("ABCD-1234")  # grouped as WhatsApp shows it
    expect(code.locator("[data-pairing-code-text]")).to_have_attribute("aria-hidden", "true")
    expect(code.locator("[data-pairing-code-spoken]")).to_have_text("A B C D, 1 2 3 4")  # for a screen reader
    expect(code.locator("[data-pairing-code-spoken]")).to_have_class("visually-hidden")
    expect(code).to_be_focused()
    method, path, body = scripted.requests[-1]
    assert (method, path) == ("POST", f"/accounts/{row['id']}/pairing-code")
    assert body == '{"phone_number":"+62 812 3456 7890"}'  # as written: the server reads it
