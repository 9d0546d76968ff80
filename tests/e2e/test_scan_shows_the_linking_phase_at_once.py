"""On the realistic profile (a page that boots in 2-4 s, holds PAIRING 0.5-1 s after the scan, then reloads,
boots again and syncs its history in 1-3 s), the settings page shows the scan at once: "Scanned - linking
your phone", then the history sync's progress as it happens, then "Connected: +62 ...", in that order, with
no reload. The time from the phone's scan to each of them is measured, printed and kept in
artifacts/e2e/<test>/timings.json (a record: the machine is shared, so it is not an assertion). The account's
timeline records the scan and the start of the sync."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, open_live_settings, own_stack, panel_account_id, shown_qr
from tests.harness.people import make_people

PHONE = "6281398765432"
LINKING = "Scanned - linking your phone"
pytestmark = pytest.mark.slow

# Every change of what the Connect panel and the followed account's card show, with the browser's clock.
RECORD_WHAT_IS_SHOWN = """
() => {
  const seen = (window.__shown = []);
  const dialog = document.getElementById("connect-dialog");
  const text = (root, selector) => {
    const found = root && root.querySelector(selector);
    return found ? found.textContent : null;
  };
  const snapshot = () => {
    const view = dialog.querySelector("[data-view]:not([hidden])");
    const card = document.querySelector(`#accounts li[data-account-id="${dialog.dataset.accountId}"]`);
    return {
      view: view ? view.dataset.view : null,
      linking: text(dialog, "[data-syncing-text]"),
      sync: text(dialog, "[data-sync-text]"),
      connected: text(dialog, "[data-connected-text]"),
      card: text(card, ".account-title"),
    };
  };
  let last = "";
  const record = () => {
    const state = snapshot();
    const key = JSON.stringify(state);
    if (key !== last) {
      last = key;
      seen.push({ at: Date.now() / 1000, ...state });
    }
  };
  const everything = { subtree: true, childList: true, characterData: true, attributes: true };
  new MutationObserver(record).observe(document.body, everything);
  record();
}
"""


@pytest.fixture(scope="module")
def stack(request):
    """A stack of its own, on the simulator's realistic timings."""
    with own_stack(request, simulator_profile="realistic") as live:
        yield live


@pytest.fixture(scope="module")
def people(stack):
    return make_people(stack, {"lena": "Lena's shop"})


def phase(shown: dict) -> str:
    """What the panel shows, in a word: qr, linking, a percent of the sync, connected (or something else)."""
    if shown["view"] == "syncing" and shown["linking"] == LINKING:
        sync = shown["sync"] or ""
        return sync.removeprefix("Syncing history: ") if sync.startswith("Syncing history: ") else "linking"
    return shown["view"] or "none"


def test_the_page_shows_the_scan_then_the_sync_then_the_number(context, stack, phone, people, request):
    shots = Shots(request.node.name)
    lena = people["lena"]
    page = open_live_settings(context, stack, "lena")
    page.click("#connect-button")
    dialog = page.locator("#connect-dialog")
    account_id = panel_account_id(page)
    expect(dialog.locator("[data-qr] svg")).to_be_visible()
    shown_qr(page, lena.workspace_id, account_id)
    page.evaluate(RECORD_WHAT_IS_SHOWN)
    shots(page, "qr")

    scanned = time.time()
    phone.scan_shown(lambda: shown_qr(page, lena.workspace_id, account_id), phone_number=PHONE, pushname="Lena")
    expect(dialog.locator('[data-view="syncing"]')).to_be_visible()  # its text is in the page from the start
    expect(dialog.locator("[data-syncing-text]")).to_have_text(LINKING)
    shots(page, "scanned-linking")
    expect(dialog.locator("[data-sync-text]")).to_contain_text("Syncing history:")
    shots(page, "history-sync")
    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 813-9876-5432")
    shots(page, "connected")

    shown = [s for s in page.evaluate("window.__shown") if s["at"] >= scanned]
    phases = [p for i, p in enumerate(map(phase, shown)) if i == 0 or p != phase(shown[i - 1])]
    assert phases[0] == "linking", phases  # the scan, at once: before the page reloads, syncs, knows the number
    assert phases[-1] == "connected", phases
    percents = [int(p.rstrip("%")) for p in phases[1:-1]]
    assert percents and percents == sorted(percents) and phases[1:-1] == [f"{p}%" for p in percents], phases
    assert any(s["card"] == LINKING for s in shown), "the account's card shows the linking phase too"
    assert page.evaluate("() => window.__sameDocument") is True

    def first(name: str) -> float:
        return next(s["at"] for s in shown if phase(s) == name) - scanned

    timings = {
        f"scan -> '{LINKING}' (s)": first("linking"),
        f"scan -> sync {phases[1]} (s)": first(phases[1]),
        "scan -> 'Connected: +62 ...' (s)": first("connected"),
    }
    for name, seconds in timings.items():
        shots.timing(name, seconds)
    print(f"\nrealistic profile, what the page showed after the scan: {phases}; {shots.timings}")

    # The timeline records the scan and the sync, between the QR and the connection.
    page.keyboard.press("Escape")
    timeline = page.locator(f'#accounts li[data-account-id="{account_id}"] details.account-timeline')
    timeline.locator("summary").click()
    steps = timeline.locator(".timeline-step")
    expect(steps).to_have_count(5)
    classes = [c.split()[-1] for c in steps.evaluate_all("items => items.map((item) => item.className)")]
    assert classes == [
        "timeline-requested",
        "timeline-qr_shown",
        "timeline-authenticated",
        "timeline-sync_started",
        "timeline-ready",
    ]
    expect(timeline.locator(".timeline-authenticated .timeline-label")).to_have_text("Scanned: linking the phone")
    shots(page, "timeline")
