"""An owner connects two phones on the settings page and manages them, all without reloading the page:
connect, see the QR, scan it (the simulator's phone), see the formatted number and the primary badge; a
second account is not primary; "Make primary" moves the badge; deleting the primary promotes the other;
a logout from the phone turns the badge to logged out. An outsider cannot open that workspace's page."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, open_live_settings, panel_account_id, shown_qr, sign_in
from tests.harness.people import make_people

FIRST_PHONE = "6281234567801"  # not the docs walkthrough's number: both link phones on the shared stack
SECOND_PHONE = "6285712345678"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def people(stack):
    return make_people(stack, {"olivia": "Olivia's shop", "oscar": "Oscar's shop"})


def card(page, account_id: int):
    return page.locator(f'#accounts li[data-account-id="{account_id}"]')


def connect_and_scan(page, phone, *, workspace_id: int, phone_number: str, shots: Shots, step: str) -> int:
    clicked = time.monotonic()
    page.click("#connect-button")
    dialog = page.locator("#connect-dialog")
    expect(dialog).to_be_visible()
    account_id = panel_account_id(page)
    expect(dialog.locator("[data-qr] svg")).to_be_visible()
    shots.timing(f"{step}: click -> QR on screen (s)", time.monotonic() - clicked)
    expect(dialog.locator("[data-qr-countdown]")).to_contain_text("This code stays valid for")
    shots(page, f"{step}-qr")
    phone.scan_shown(lambda: shown_qr(page, workspace_id, account_id), phone_number=phone_number)
    return account_id


def test_an_owner_connects_two_phones_and_manages_them_live(context, stack, phone, people, request):
    shots = Shots(request.node.name)
    olivia = people["olivia"]
    page = open_live_settings(context, stack, "olivia")
    shots(page, "signed-in")

    # Connect the first phone: it becomes connected and primary, with its number formatted.
    first = connect_and_scan(
        page, phone, workspace_id=olivia.workspace_id, phone_number=FIRST_PHONE, shots=shots, step="first"
    )
    dialog = page.locator("#connect-dialog")
    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 812-3456-7801")
    expect(dialog.locator("[data-connected-primary]")).to_be_visible()
    expect(dialog.locator("[data-done]")).to_be_focused()
    shots(page, "first-connected-panel")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#connect-button")).to_be_focused()
    expect(card(page, first).locator(".account-title")).to_have_text("+62 812-3456-7801")
    expect(card(page, first).locator("[data-primary]")).to_be_visible()
    expect(card(page, first).locator("[data-status]")).to_have_attribute("data-status", "connected")
    shots(page, "first-connected-list")

    # A second phone: connected, not primary.
    second = connect_and_scan(
        page, phone, workspace_id=olivia.workspace_id, phone_number=SECOND_PHONE, shots=shots, step="second"
    )
    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 857-1234-5678")
    expect(dialog.locator("[data-connected-primary]")).to_be_hidden()
    dialog.locator("[data-done]").click()
    expect(card(page, second).locator("[data-status]")).to_have_attribute("data-status", "connected")
    expect(card(page, second).locator("[data-primary]")).to_have_count(0)
    expect(card(page, first).locator("[data-primary]")).to_be_visible()
    shots(page, "second-connected-not-primary")

    # The timeline shows each step with the time between them.
    timeline = card(page, second).locator("details.account-timeline")
    timeline.locator("summary").click()
    expect(timeline.locator(".timeline-step")).to_have_count(5)  # requested, QR, scanned, sync started, ready
    expect(timeline.locator(".timeline-qr_shown .timeline-delta")).to_have_text(re.compile(r"^\+[\d.]+ (ms|s)$"))
    shots(page, "second-timeline")

    # "Make primary" moves the badge (keyboard: focus the button, press Enter).
    card(page, second).locator('[data-action="set-primary"]').focus()
    page.keyboard.press("Enter")
    expect(card(page, second).locator("[data-primary]")).to_be_visible()
    expect(card(page, first).locator("[data-primary]")).to_have_count(0)
    expect(page.locator("#live-status")).to_contain_text("is now the primary account")
    shots(page, "second-made-primary")

    # Deleting the primary (after confirming) promotes the other one.
    card(page, second).locator('[data-action="delete"]').click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_be_visible()
    expect(confirm.locator("[data-confirm-cancel]")).to_be_focused()
    shots(page, "delete-confirmation")
    confirm.locator("[data-confirm-ok]").click()
    expect(card(page, second)).to_have_count(0)
    expect(card(page, first).locator("[data-primary]")).to_be_visible()
    shots(page, "primary-deleted-other-promoted")

    # The phone logs the device out: the badge turns to logged out.
    phone.logout(phone.linked_device(FIRST_PHONE)["device_id"])
    expect(card(page, first).locator("[data-status]")).to_have_attribute("data-status", "logged_out")
    expect(card(page, first).locator("[data-status]")).to_have_text("Logged out")
    expect(card(page, first).locator('[data-action="reconnect"]')).to_be_visible()
    shots(page, "phone-logged-out")

    # Reconnect: a new QR for the same account; the scan links it again, primary as the only one.
    card(page, first).locator('[data-action="reconnect"]').click()
    expect(dialog.locator("[data-qr] svg")).to_be_visible()
    assert panel_account_id(page) == first
    shots(page, "reconnect-qr")
    phone.scan_shown(lambda: shown_qr(page, olivia.workspace_id, first), phone_number=FIRST_PHONE)
    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 812-3456-7801")
    dialog.locator("[data-done]").click()
    expect(card(page, first).locator("[data-primary]")).to_be_visible()

    # The same phone linked again through a new account: the new one replaces the old, keeping primary.
    third = connect_and_scan(
        page, phone, workspace_id=olivia.workspace_id, phone_number=FIRST_PHONE, shots=shots, step="duplicate"
    )
    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 812-3456-7801")
    expect(dialog.locator("[data-connected-note]")).to_contain_text("already connected to this workspace")
    expect(dialog.locator("[data-connected-primary]")).to_be_visible()
    shots(page, "duplicate-merged")
    dialog.locator("[data-done]").click()
    expect(card(page, first)).to_have_count(0)
    expect(page.locator("#accounts > li")).to_have_count(1)
    expect(card(page, third).locator("[data-primary]")).to_be_visible()

    assert page.evaluate("() => window.__sameDocument === true"), "the page never reloaded"


def test_an_outsider_cannot_open_another_workspaces_page(context, stack, people, request):
    shots = Shots(request.node.name)
    page = context.new_page()
    sign_in(page, stack, "oscar")
    shots(page, "outsider-own-page")
    response = page.goto(f"{stack.backend_url}/settings/whatsapp-accounts?workspace={people['olivia'].workspace_id}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Workspace not found")
    expect(page.locator("body")).not_to_contain_text("812-3456-7801")
    shots(page, "outsider-refused")
    state = page.evaluate(
        "async (w) => (await fetch(`/settings/whatsapp-accounts/state?workspace=${w}`)).status",
        people["olivia"].workspace_id,
    )
    assert state == 404
    close_code = page.evaluate(
        """(w) => new Promise((resolve) => {
            const socket = new WebSocket(`ws://${location.host}/ws/workspaces/${w}/`);
            socket.onclose = (event) => resolve(event.code);
        })""",
        people["olivia"].workspace_id,
    )
    assert close_code == 4403
