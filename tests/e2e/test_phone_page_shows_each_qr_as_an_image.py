"""The simulator's phone page, in Chromium on the live stack: each QR on screen as an image beside its page id and
its age, the newest first, so that a person matches it by eye with the computer's; its default phone number is
the one the README promises ("Connected: +62 812-3456-7890"), and "Scan" on a row links that row's account."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, own_stack
from tests.harness.livestack import ROOT, LiveStack
from tests.harness.people import make_people
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(request):
    """A stack of its own, where no other module's accounts show QRs: the phone page lists every QR on screen.
    The real site's QR lifetimes (60 s, then 20 s), so that the codes do not rotate while the test reads them.
    No warm pages: the worker's warm page pool (WARM_PAGES) keeps pages showing QRs that no account has taken
    yet, which the phone page lists too (docs/simulator.md); this test is about the two accounts' own."""
    args = ["--first-qr-lifetime", "60", "--next-qr-lifetime", "20"]
    with own_stack(request, simulator_args=args, worker_env={"WARM_PAGES": "0"}) as live:
        yield live


def api(stack: LiveStack, method: str, path: str, token: str) -> dict:
    response = requests.request(
        method, stack.backend_url + path, headers={"Authorization": f"Token {token}"}, timeout=30
    )
    assert response.status_code < 300, response.text
    return response.json()


def connect_and_wait_for_its_qr(stack: LiveStack, person) -> tuple[int, str]:
    account = api(stack, "POST", f"/api/v1/workspaces/{person.workspace_id}/accounts", person.token)

    def qr() -> str | None:
        return api(stack, "GET", f"/api/v1/accounts/{account['id']}", person.token)["qr"]

    return account["id"], wait_until(qr, within=60, what=f"QR of account {account['id']}")


def test_each_qr_shows_as_an_image_with_its_page_and_age_newest_first(context, stack, request):
    shots = Shots(request.node.name)
    people = make_people(stack, {"older": "Older shop", "newer": "Newer shop"})
    _, older_qr = connect_and_wait_for_its_qr(stack, people["older"])
    newer_id, newer_qr = connect_and_wait_for_its_qr(stack, people["newer"])

    page = context.new_page()
    page.goto(f"{stack.simulator_url}/phone")
    rows = page.locator("#qrs tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("img.qr")).to_have_attribute("data-qr", newer_qr)
    expect(rows.nth(1).locator("img.qr")).to_have_attribute("data-qr", older_qr)
    for n in range(2):
        image = rows.nth(n).locator("img.qr")
        expect(image).to_be_visible()
        wait_until(
            lambda image=image: image.evaluate("(i) => i.complete && i.naturalWidth > 0"), within=20, what="QR drawn"
        )
        expect(image).to_have_attribute("alt", re.compile(r"^QR code of page \S+, number 1$"))
        expect(rows.nth(n).locator(".page-id")).to_have_text(re.compile(r"\S+"))
        expect(rows.nth(n).locator(".age")).to_have_text(re.compile(r"^\d+ s ago$|^\d+ min \d+ s ago$"))
    assert rows.nth(0).locator(".page-id").inner_text() != rows.nth(1).locator(".page-id").inner_text()
    expect(page.locator("#no-qrs")).to_be_hidden()
    shots(page, "two-qrs-newest-first")

    readme_number = re.search(r"`Connected: (\+62 [\d-]+)`", (ROOT / "README.md").read_text()).group(1)
    expect(page.locator("#phone_number")).to_have_value(re.sub(r"\D", "", readme_number))
    rows.nth(0).get_by_role("button", name="Scan").click()
    linked = wait_until(
        lambda: (
            (a := api(stack, "GET", f"/api/v1/accounts/{newer_id}", people["newer"].token))["status"] == "connected"
            and a
        ),
        within=60,
        what="the scanned account connected",
    )
    assert linked["phone_number_display"] == readme_number
    expect(rows).to_have_count(1)  # the scanned code left the screen; the older one stays
    expect(rows.nth(0).locator("img.qr")).to_have_attribute("data-qr", older_qr)
    shots(page, "newer-scanned-older-left")
