"""The page's JavaScript modules, run in the system Chromium: the phone number the server formatted,
the reconnect backoff, the timeline's durations, the pairing code's display."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.web.browser import launch

STATIC = Path(__file__).resolve().parents[2] / "backend" / "web" / "static" / "web"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def js_page():
    handler = functools.partial(_QuietHandler, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/css/settings.css")
                yield page
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def run(page, module: str, body: str, arg=None):
    """Import ``module`` (as ``m``) in the page and evaluate ``body`` (an expression over m and arg)."""
    return page.evaluate(f"async (arg) => {{ const m = await import('/js/{module}'); return {body}; }}", arg)


def test_the_page_shows_the_number_the_server_formatted(js_page):
    account = {"phone_number": "5511999990000", "phone_number_display": "+55 11 99999-0000"}
    assert run(js_page, "phone.js", "m.displayPhone(arg)", account) == "+55 11 99999-0000"
    assert run(js_page, "phone.js", "m.displayPhone(arg)", {"phone_number": "99912345"}) == "+99912345"
    assert run(js_page, "phone.js", "m.displayPhone(arg)", {"phone_number": None}) == ""


def test_reconnect_backoff_grows_with_jitter_and_is_capped(js_page):
    delays = run(
        js_page,
        "live.js",
        "[0, 1, 2, 3, 10].flatMap((a) => [m.backoffDelay(a, {random: () => 0}), m.backoffDelay(a, {random: () => 1})])",
    )
    assert delays == [500, 1000, 1000, 2000, 2000, 4000, 4000, 8000, 15000, 30000]


def test_the_timeline_gives_the_time_between_steps(js_page):
    steps = [
        {"step": "requested", "label": "Connect requested", "at": "2026-01-01T10:00:00Z"},
        {"step": "qr_shown", "label": "QR shown", "at": "2026-01-01T10:00:00.800Z"},
        {"step": "authenticated", "label": "Scanned", "at": "2026-01-01T10:00:42.800Z"},
        {"step": "ready", "label": "Ready", "at": "2026-01-01T10:00:46.300Z"},
        {"step": "disconnected", "label": "Disconnected", "at": "2026-01-01T12:30:46.300Z"},
    ]
    assert run(js_page, "timeline.js", "m.withDurations(arg).map((s) => s.sincePrevious)", steps) == [
        "",
        "800 ms",
        "42 s",
        "3.5 s",
        "2 h 30 min",
    ]


def test_after_the_scan_the_panel_waits_18_s_for_the_phone_number(js_page):
    assert run(js_page, "qr_panel.js", "m.PHONE_NUMBER_WAIT_MS") == 18_000


def test_a_pairing_code_is_shown_in_two_halves(js_page):
    assert run(js_page, "qr_panel.js", "[m.formatPairingCode('abcd1234'), m.formatPairingCode('WXYZ-9876')]") == [
        "ABCD-1234",
        "WXYZ-9876",
    ]


def test_a_screen_reader_hears_the_pairing_code_one_character_at_a_time(js_page):
    assert run(js_page, "qr_panel.js", "m.spokenCode('8HA9-3VY4')") == "8 H A 9, 3 V Y 4"


def test_every_failure_has_a_message_for_people(js_page):
    messages = run(
        js_page,
        "qr_panel.js",
        "['no_worker', 'WORKER_UNREACHABLE', 'QR_EXPIRED', 'DUPLICATE_MERGED', 'LOGOUT', 'SOMETHING_NEW', null]"
        ".map((r) => m.failureMessage(r))",
    )
    assert "worker" in messages[0] and "worker" in messages[1]
    assert "expired" in messages[2]
    assert "already connected" in messages[3]
    assert "logged this device out" in messages[4]
    assert "SOMETHING_NEW" in messages[5]
    assert messages[6] == "The connection failed. Try again."
