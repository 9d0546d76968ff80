"""Link with phone number instead: the page asks for the number, shows the worker's 8-character code, the
phone enters it, and the page shows the account connected, without a QR scan and without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, panel_account_id, sign_in
from tests.harness.people import make_people

pytestmark = pytest.mark.slow


def test_an_account_links_with_a_pairing_code(context, stack, phone, request):
    shots = Shots(request.node.name)
    make_people(stack, {"pia": "Pia's bakery"})
    page = context.new_page()
    sign_in(page, stack, "pia")

    page.click("#connect-button")
    panel_account_id(page)
    dialog = page.locator("#connect-dialog")
    expect(dialog.locator("[data-qr] svg")).to_be_visible()
    dialog.locator("[data-show-pairing]").click()
    dialog.locator("[data-pairing-phone]").fill("+62 812 7000 1122")
    dialog.locator("[data-pairing-submit]").click()
    code_box = dialog.locator("[data-pairing-code] [data-pairing-code-text]")
    expect(code_box).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))  # grouped as WhatsApp shows it
    expect(dialog.locator("[data-pairing-code] [data-pairing-code-spoken]")).to_have_text(
        re.compile(r"^(\w ){3}\w, (\w ){3}\w$")
    )  # what a screen reader says: one character at a time
    expect(dialog.locator("#connect-steps")).to_be_hidden()  # no QR instructions beside the code
    shots(page, "pairing-code-shown")

    code = re.sub(r"[^A-Z0-9]", "", code_box.inner_text())
    assert len(code) == 8
    phone.link_with_code(code, phone_number="6281270001122")

    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 812-7000-1122")
    expect(dialog.locator("[data-connected-primary]")).to_be_visible()
    shots(page, "connected-with-code")
