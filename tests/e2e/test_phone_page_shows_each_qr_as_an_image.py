"""The simulator's phone page, in Chromium on the live stack: each QR on screen as an image beside its page id and
its age, in the order their pages opened, the oldest first (docs/simulator.md), so that the top row, marked "on
your settings page", is the QR a settings page shows; a person matches the picture by eye with the computer's.
Its default phone number is the one the README promises ("Connected: +62 812-3456-7890"), and "Scan" on the top
row links the account whose settings page showed it; the next row then moves up and takes the mark."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, open_live_settings, own_stack, panel_account_id, shown_qr
from tests.harness.livestack import ROOT, LiveStack
from tests.harness.people import make_people
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.slow

SETTINGS_PAGE_MARK = "on your settings page"


@pytest.fixture(scope="module")
def stack(request):
    """A stack of its own, where no other module's accounts show QRs: the phone page lists every QR on screen.
    The real site's QR lifetimes (60 s, then 20 s), so that the codes do not rotate while the test reads them.
    No warm pages: the worker's warm page pool (WARM_PAGES_MAX) keeps pages showing QRs that no account has taken
    yet, which the phone page lists too, after the sessions' own (docs/simulator.md; the ten walks of
    test_the_first_hour_on_the_realistic_profile.py scan the top row with warm pages on); this test is about the two
    accounts' own."""
    args = ["--first-qr-lifetime", "60", "--next-qr-lifetime", "20"]
    with own_stack(request, simulator_args=args, worker_env={"WARM_PAGES_MAX": "0"}) as live:
        yield live


def api(stack: LiveStack, method: str, path: str, token: str) -> dict:
    response = requests.request(
        method, stack.backend_url + path, headers={"Authorization": f"Token {token}"}, timeout=30
    )
    assert response.status_code < 300, response.text
    return response.json()


def test_each_qr_shows_as_an_image_with_its_page_and_age_oldest_first(context, stack, request):
    shots = Shots(request.node.name)
    people = make_people(stack, {"older": "Older shop", "newer": "Newer shop"})

    # The older shop clicks Connect on its settings page: its QR is on screen first.
    settings = open_live_settings(context, stack, "older")
    settings.click("#connect-button")
    expect(settings.locator("#connect-dialog [data-qr] svg")).to_be_visible()
    older_id = panel_account_id(settings)
    older_qr = shown_qr(settings, people["older"].workspace_id, older_id)
    shots(settings, "older-shop-settings-page-qr")
    # Then another computer (the newer shop, through the API) shows a QR too.
    newer = api(stack, "POST", f"/api/v1/workspaces/{people['newer'].workspace_id}/accounts", people["newer"].token)
    newer_qr = wait_until(
        lambda: api(stack, "GET", f"/api/v1/accounts/{newer['id']}", people["newer"].token)["qr"],
        within=60,
        what=f"QR of account {newer['id']}",
    )

    page = context.new_page()
    page.goto(f"{stack.simulator_url}/phone")
    rows = page.locator("#qrs tr")
    expect(rows).to_have_count(2)
    # The oldest page first: the top row is the QR the older shop's settings page shows, and says so.
    expect(rows.nth(0).locator("img.qr")).to_have_attribute("data-qr", older_qr)
    expect(rows.nth(1).locator("img.qr")).to_have_attribute("data-qr", newer_qr)
    assert shown_qr(settings, people["older"].workspace_id, older_id) == older_qr  # still what it shows
    expect(rows.nth(0).locator(".page-id")).to_contain_text(SETTINGS_PAGE_MARK)
    expect(rows.nth(1).locator(".page-id")).not_to_contain_text(SETTINGS_PAGE_MARK)
    for n in range(2):
        image = rows.nth(n).locator("img.qr")
        expect(image).to_be_visible()
        wait_until(
            lambda image=image: image.evaluate("(i) => i.complete && i.naturalWidth > 0"), within=20, what="QR drawn"
        )
        expect(image).to_have_attribute("alt", re.compile(r"^QR code of page \S+, number 1$"))
        expect(rows.nth(n).locator(".page-id code")).to_have_text(re.compile(r"^\S+$"))
        expect(rows.nth(n).locator(".age")).to_have_text(re.compile(r"^\d+ s ago$|^\d+ min \d+ s ago$"))
    assert rows.nth(0).locator(".page-id code").inner_text() != rows.nth(1).locator(".page-id code").inner_text()
    expect(page.locator("#no-qrs")).to_be_hidden()
    shots(page, "two-qrs-oldest-first")

    # "Scan" on the top row, with the phone page's own number: the older shop's page shows it connected.
    readme_number = re.search(r"`Connected: (\+62 [\d-]+)`", (ROOT / "README.md").read_text()).group(1)
    expect(page.locator("#phone_number")).to_have_value(re.sub(r"\D", "", readme_number))
    rows.nth(0).get_by_role("button", name="Scan").click()
    expect(settings.locator("#connect-dialog [data-connected-text]")).to_have_text(f"Connected: {readme_number}")
    expect(settings.locator("#connect-dialog [data-connected-primary]")).to_be_visible()
    shots(settings, "older-shop-connected")
    linked = api(stack, "GET", f"/api/v1/accounts/{older_id}", people["older"].token)
    assert (linked["status"], linked["phone_number_display"]) == ("connected", readme_number)
    assert api(stack, "GET", f"/api/v1/accounts/{newer['id']}", people["newer"].token)["status"] == "qr_scanning"
    # The scanned code left the screen; the newer one moved up, and is now the one marked.
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator("img.qr")).to_have_attribute("data-qr", newer_qr)
    expect(rows.nth(0).locator(".page-id")).to_contain_text(SETTINGS_PAGE_MARK)
    shots(page, "older-scanned-newer-moved-up")
