"""An owner sets the workspace's proxy on the settings page (a real tinyproxy on loopback that asks for a username
and a password), then connects a phone through it, in Chromium on the live stack. A SOCKS5 proxy with a password
is refused on the page with the reason; a wrong password makes Connect say which proxy refused it, with no QR;
the saved password is never shown again; the QR's page and the linked session's page reached WhatsApp Web (the
simulator) from the proxy's own address; the account names its proxy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, open_live_settings, panel_account_id, shown_qr
from tests.harness.people import make_people
from tests.harness.tinyproxy import Tinyproxy

pytestmark = pytest.mark.slow

PHONE = "6281234560177"  # a number no other test on the shared stack links
EXIT = "127.0.0.6"  # the proxy's outgoing address: where the simulator sees the pages come from


def test_an_owner_sets_the_proxy_on_the_page_and_connects_through_it(context, stack, phone, request):
    shots = Shots(request.node.name)
    petra = make_people(stack, {"petra": "Petra's pottery"})["petra"]
    with Tinyproxy(bind=EXIT, auth=("petra", "kiln-2026")) as proxy:
        page = open_live_settings(context, stack, "petra")
        section = page.locator("#proxy-section")
        expect(section.locator("[data-proxy-current]")).to_contain_text("No proxy")

        # A SOCKS5 proxy with a password: Chromium cannot send it, the page says so and saves nothing.
        section.locator("#proxy-url").fill("socks5://127.0.0.1:1080")
        section.locator("#proxy-username").fill("petra")
        section.locator("#proxy-password").fill("kiln-2026")
        section.locator("[data-proxy-save]").click()
        expect(section.locator("[data-proxy-error]")).to_contain_text("SOCKS5")
        expect(section.locator("[data-proxy-current]")).to_contain_text("No proxy")
        shots(page, "socks5-with-password-refused")

        # The proxy with a wrong password: Connect says which proxy refused it and what to do, and shows no QR.
        section.locator("#proxy-url").fill(proxy.url)
        section.locator("#proxy-password").fill("wrong-password")
        section.locator("[data-proxy-save]").click()
        expect(section.locator("[data-proxy-current]")).to_contain_text(f"Sessions connect through {proxy.url}")
        expect(section.locator("#proxy-password")).to_have_value("")  # write-only: never shown again
        expect(section.locator("[data-proxy-error]")).to_be_empty()
        page.click("#connect-button")
        dialog = page.locator("#connect-dialog")
        refused_id = panel_account_id(page)
        failed = dialog.locator("[data-failed-text]")
        expect(failed).to_contain_text(f"The proxy {proxy.address} refused the username and password")
        expect(failed).to_contain_text("Settings → Proxy")
        expect(dialog.locator("[data-qr] svg")).to_have_count(0)
        shots(page, "wrong-password-explained")
        dialog.locator("[data-close]").first.click()
        refused = page.locator(f'#accounts li[data-account-id="{refused_id}"]')
        expect(refused.locator("[data-status]")).to_have_attribute("data-status", "failed")

        section.locator("#proxy-password").fill("kiln-2026")
        section.locator("[data-proxy-save]").click()
        expect(section.locator("[data-proxy-error]")).to_be_empty()
        shots(page, "proxy-saved")

        page.click("#connect-button")
        account_id = panel_account_id(page)
        expect(dialog.locator("[data-qr] svg")).to_be_visible()
        shots(page, "qr-through-the-proxy")
        qr = shown_qr(page, petra.workspace_id, account_id)
        [shown] = [q for q in phone.qrs() if q["qr"] == qr]
        assert shown["peer"] == EXIT
        phone.scan_shown(lambda: shown_qr(page, petra.workspace_id, account_id), phone_number=PHONE)
        expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 812-3456-0177")
        dialog.locator("[data-done]").click()
        card = page.locator(f'#accounts li[data-account-id="{account_id}"]')
        expect(card.locator("[data-status]")).to_have_attribute("data-status", "connected")
        expect(card).to_contain_text(proxy.address)
        shots(page, "connected-through-the-proxy")

        assert phone.linked_device(PHONE)["peers"] == [EXIT]
        assert f"CONNECT 127.0.0.1:{stack.ports['simulator']}" in proxy.log_text()

        for leftover in (card, refused):  # the stack as this test found it
            leftover.locator('[data-action="delete"]').click()
            page.locator("#confirm-dialog [data-confirm-ok]").click()
            expect(leftover).to_have_count(0)
