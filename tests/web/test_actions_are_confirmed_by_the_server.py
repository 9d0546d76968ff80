"""The account actions show at once, the server's answer confirms them, and a refusal undoes them with a
message; deleting and logging out ask first (Cancel does nothing)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.scripted import account

pytestmark = pytest.mark.django_db


def two_accounts(scripted):
    ws = scripted.workspace_id
    scripted.accounts = {
        1: account(1, ws, "connected", phone_number="6281234567890", is_primary=True),
        2: account(2, ws, "connected", phone_number="6285712345678"),
    }


def card(page, account_id: int):
    return page.locator(f'#accounts > li[data-account-id="{account_id}"]')


def test_make_primary_moves_the_badge_and_the_server_confirms_it(page, scripted):
    two_accounts(scripted)
    scripted.answer("POST", "/accounts/2/primary", 200, {**scripted.accounts[2], "is_primary": True})
    scripted.open(page)
    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "live")
    scripted.accounts[1] = {**scripted.accounts[1], "is_primary": False}  # the server's state once it answers
    card(page, 2).get_by_role("button", name="☆ Make primary: +62 857-1234-5678").click()
    expect(card(page, 2).locator("[data-primary]")).to_be_visible()
    expect(card(page, 1).locator("[data-primary]")).to_have_count(0)
    expect(page.locator("#live-status")).to_have_text("+62 857-1234-5678 is now the primary account.")
    assert ("POST", "/accounts/2/primary") in [r[:2] for r in scripted.requests]


def test_a_refused_action_is_undone_and_said(page, scripted):
    two_accounts(scripted)
    refusal = {"error": "conflict", "detail": "only a connected account can be primary"}
    scripted.answer("POST", "/accounts/2/primary", 409, refusal)
    scripted.open(page)
    card(page, 2).locator('[data-action="set-primary"]').click()
    alert = page.locator("#page-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("only a connected account can be primary")
    expect(card(page, 1).locator("[data-primary]")).to_be_visible()
    expect(card(page, 2).locator("[data-primary]")).to_have_count(0)


def test_delete_asks_first_and_cancel_keeps_the_account(page, scripted):
    two_accounts(scripted)
    scripted.answer("DELETE", "/accounts/2", 204)
    scripted.open(page)
    card(page, 2).locator('[data-action="delete"]').click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("Delete +62 857-1234-5678?")
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(card(page, 2).locator('[data-action="delete"]')).to_be_focused()
    assert not scripted.requests

    card(page, 2).locator('[data-action="delete"]').click()
    confirm.get_by_role("button", name="Delete").click()
    expect(card(page, 2)).to_have_count(0)
    expect(page.locator("#live-status")).to_have_text("+62 857-1234-5678 was deleted.")
    assert [r[:2] for r in scripted.requests] == [("DELETE", "/accounts/2")]
