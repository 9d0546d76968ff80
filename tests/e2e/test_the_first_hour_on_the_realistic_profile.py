"""The first hour, ten times in a row on the realistic profile (make run's; the worker keeps its warm pages, whose
QRs are on the phone page too): an operator signs in, clicks Connect on the settings page, opens the simulator's
phone page and taps Scan on the TOP row, the one marked "on your settings page", without looking further
(docs/simulator.md: the oldest page first, and a Connect takes the oldest warm page). Each time the settings
page shows the account connected, with the number the phone page says, and primary (it is its workspace's
first). All ten are linked.

One stack and one browser; each walk is an operator of their own (a workspace, a browser context), as a first
hour is. Screenshots of the first and the last walk under artifacts/e2e/<test>/; each walk's time from the
click on Connect to "Connected" is kept in timings.json there (a record, not an assertion).

Then a restart, as Ctrl-C and `make run` again do it: the backend, Celery and the worker stopped together and
started again (the simulator, WhatsApp's side, stays up). An operator watching the settings page sees each of
their linked accounts "Reconnecting…", then connected, and never "Disconnected" nor a QR; the API says
``reconnecting`` meanwhile. (The ten walks' sessions, on the same worker, restore with them: its own three
accounts keep the test independent of the walks.)
"""

from __future__ import annotations

import contextlib
import re
import threading
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, open_live_settings, own_stack, panel_account_id, shown_qr
from tests.harness.people import Person, make_people
from tests.harness.phone import Phone
from tests.harness.processes import start_together, stop_together
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.slow

WALKS = 10
SETTINGS_PAGE_MARK = "on your settings page"


@pytest.fixture(scope="module")
def stack(request):
    """A stack of its own on the realistic profile (pages boot in 2-4 s, QRs live 60 s then 20 s), with the
    worker's warm pages (WARM_PAGES_MAX, 2 while Connects come, none idle)."""
    with own_stack(request, simulator_profile="realistic") as live:
        yield live


def number_of(walk: int) -> tuple[str, str]:
    """The phone of walk ``walk``: its digits (typed on the phone page) and how the settings page shows them."""
    return f"62812345670{walk:02d}", f"+62 812-3456-70{walk:02d}"


def scan_top_row(phone_page, *, attempts: int = 3) -> None:
    """Tap Scan on the top row, as a person does; again if the phone says the code expired (it rotated between
    the look and the tap: the oldest warm page's first code may be near its end when a Connect takes it)."""
    message = phone_page.locator("#message")
    for attempt in range(1, attempts + 1):
        phone_page.locator("#qrs tr").first.get_by_role("button", name="Scan").click()
        expect(message).to_have_text(re.compile(r"^Scan: "))
        text = message.inner_text()
        if text.startswith("Scan: ok") or "expired" not in text or attempt == attempts:
            assert text.startswith("Scan: ok"), text
            return
        phone_page.evaluate("() => { document.getElementById('message').textContent = ''; }")


def walk(n: int, context, stack, person: Person, shots: Shots) -> int:
    """One operator's walk: Connect, the phone page's top row scanned, connected. The account's id."""
    digits, shown = number_of(n)
    snap = n in (1, WALKS)
    settings = open_live_settings(context, stack, person.username)
    clicked = time.monotonic()
    settings.click("#connect-button")
    dialog = settings.locator("#connect-dialog")
    expect(dialog.locator("[data-qr] svg")).to_be_visible()
    account_id = panel_account_id(settings)
    if snap:
        shots(settings, f"walk{n:02d}-settings-page-qr")

    phone_page = context.new_page()
    phone_page.goto(f"{stack.simulator_url}/phone")
    top = phone_page.locator("#qrs tr").first
    expect(top.locator(".page-id")).to_contain_text(SETTINGS_PAGE_MARK)
    # What the person checks by eye: the top row's picture is the code the settings page shows.
    wait_until(
        lambda: top.locator("img.qr").get_attribute("data-qr") == shown_qr(settings, person.workspace_id, account_id),
        within=30,
        what=f"walk {n}: the phone page's top row showing the settings page's QR",
    )
    phone_page.fill("#phone_number", digits)
    if snap:
        shots(phone_page, f"walk{n:02d}-phone-page-top-row")
    scan_top_row(phone_page)

    expect(dialog.locator("[data-connected-text]")).to_have_text(f"Connected: {shown}")
    expect(dialog.locator("[data-connected-primary]")).to_be_visible()
    shots.timing(f"walk {n}: click on Connect -> connected (s)", time.monotonic() - clicked)
    if snap:
        shots(settings, f"walk{n:02d}-connected")
    dialog.locator("[data-done]").click()
    card = settings.locator(f'#accounts li[data-account-id="{account_id}"]')
    expect(card.locator(".account-title")).to_have_text(shown)
    expect(card.locator("[data-status]")).to_have_attribute("data-status", "connected")
    expect(card.locator("[data-primary]")).to_be_visible()
    if snap:
        shots(settings, f"walk{n:02d}-settings-page-list")
    return account_id


def test_ten_operators_in_a_row_scan_the_top_row_and_are_connected(browser, stack, request):
    shots = Shots(request.node.name)
    people = make_people(stack, {f"walker{n}": f"Shop of walk {n}" for n in range(1, WALKS + 1)})
    linked: dict[int, int] = {}
    for n in range(1, WALKS + 1):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.set_default_timeout(20000)
        try:
            linked[n] = walk(n, context, stack, people[f"walker{n}"], shots)
        finally:
            context.close()

    # All ten linked: each its walk's number, primary in its workspace, on the phone a device of its own.
    for n, account_id in linked.items():
        person = people[f"walker{n}"]
        headers = {"Authorization": f"Token {person.token}"}
        account = requests.get(f"{stack.backend_url}/api/v1/accounts/{account_id}", headers=headers, timeout=30).json()
        assert (account["status"], account["phone_number_display"], account["is_primary"]) == (
            "connected",
            number_of(n)[1],
            True,
        ), (n, account)
    devices = requests.get(f"{stack.simulator_url}/phone/api/devices", timeout=30).json()["devices"]
    linked_numbers = {d["phone_number"] for d in devices if not d["logged_out"]}
    assert linked_numbers == {number_of(n)[0] for n in range(1, WALKS + 1)}


RESTARTED = 3  # the three linked accounts

# Every status the page's cards show, in order, per account (the badge's text), from now on; whether the Connect
# panel (the only place the page draws a QR) opened.
RECORD_THE_CARDS = """() => {
  window.__seen = {};
  window.__panelOpened = false;
  const look = () => {
    for (const card of document.querySelectorAll("#accounts li[data-account-id]")) {
      const text = card.querySelector(".status-badge")?.textContent.trim() ?? "";
      const seen = (window.__seen[card.dataset.accountId] ||= []);
      if (seen[seen.length - 1] !== text) seen.push(text);
    }
    if (document.getElementById("connect-dialog")?.open) window.__panelOpened = true;
  };
  look();
  const all = { subtree: true, childList: true, characterData: true, attributes: true };
  new MutationObserver(look).observe(document.body, all);
}"""


def test_a_restart_shows_reconnecting_then_connected_with_no_qr(browser, stack, request):
    shots = Shots(request.node.name)
    person = make_people(stack, {"restarter": "Shop that restarts"})["restarter"]
    headers = {"Authorization": f"Token {person.token}"}

    def account(account_id: int) -> dict:
        return requests.get(f"{stack.backend_url}/api/v1/accounts/{account_id}", headers=headers, timeout=30).json()

    # Three accounts linked, through the API and the phone (the walks above went through the page): three
    # Connects, then each QR scanned.
    url = f"{stack.backend_url}/api/v1/workspaces/{person.workspace_id}/accounts"
    ids = [requests.post(url, headers=headers, timeout=30).json()["id"] for _ in range(RESTARTED)]
    with Phone(stack.simulator_url) as phone:
        for n, account_id in enumerate(ids):
            phone.scan_shown(lambda i=account_id: account(i)["qr"], phone_number=f"628123456780{n}")
    for account_id in ids:
        wait_until(lambda i=account_id: account(i)["status"] == "connected", within=90, what=f"{account_id} linked")

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(20000)
    try:
        settings = open_live_settings(context, stack, person.username)
        cards = [settings.locator(f'#accounts li[data-account-id="{i}"] .status-badge') for i in ids]
        for card in cards:
            expect(card).to_have_text("Connected")
        settings.evaluate(RECORD_THE_CARDS)
        shots(settings, "linked-before-the-restart")
        changed_before = {i: account(i)["status_changed_at"] for i in ids}

        # What the API says of the first account meanwhile (status, reconnecting), its answers while the backend
        # is down left out.
        api_seen: list[tuple[str, bool]] = []
        watching = threading.Event()

        def watch() -> None:
            while not watching.is_set():
                try:
                    answer = account(ids[0])
                    if not api_seen or api_seen[-1] != (answer["status"], answer["reconnecting"]):
                        api_seen.append((answer["status"], answer["reconnecting"]))
                except (requests.RequestException, ValueError, KeyError):
                    pass
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            # Ctrl-C: supervisord stops each; then make run again (the backend and Celery first, here: so that the
            # page is live again when the worker restores, and sees every step of it).
            parts = [stack.processes[name] for name in ("worker", "celery", "backend")]
            stop_together(parts)
            start_together(parts[1:])
            expect(settings.locator("#live-mode")).to_have_attribute("data-mode", "live", timeout=90_000)
            stack.processes["worker"].start()
            with contextlib.suppress(AssertionError):  # a picture of it, if the restore is not over already
                expect(cards[0]).to_have_text("Reconnecting…", timeout=30_000)
                shots(settings, "reconnecting-after-the-restart")
            # Each restored (connected again since the restart, by the API), then shown connected.
            for account_id in ids:
                wait_until(
                    lambda i=account_id: (
                        (a := account(i))["status"] == "connected" and a["status_changed_at"] != changed_before[i]
                    ),
                    within=180,
                    what=f"account {account_id} connected again",
                )
            for card in cards:
                expect(card).to_have_text("Connected")
        finally:
            watching.set()
            watcher.join(10)
        shots(settings, "connected-again-after-the-restart")

        seen = settings.evaluate("window.__seen")
        for account_id in ids:
            statuses = seen[str(account_id)]
            # Connected, then only "Reconnecting…" until connected again: never "Disconnected", never a QR.
            assert statuses[0] == statuses[-1] == "Connected", (account_id, statuses)
            assert set(statuses) == {"Connected", "Reconnecting…"}, (account_id, statuses)
        assert settings.evaluate("window.__panelOpened") is False
        assert settings.evaluate("window.__sameDocument") is True  # the page followed the restart, not a reload
        assert (True in {reconnecting for _, reconnecting in api_seen}) and all(
            reconnecting for status, reconnecting in api_seen if status != "connected"
        ), api_seen
        for account_id in ids:
            after = account(account_id)
            assert (after["status"], after["qr"], after["reconnecting"]) == ("connected", None, False), after
    finally:
        context.close()
