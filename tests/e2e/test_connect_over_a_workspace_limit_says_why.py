"""Over a workspace limit, Connect WhatsApp opens no dialog: the page shows the server's message (which limit, when
it frees), in Chromium on the live stack (PostgreSQL, Redis). The limit is the workspace's own, as staff set it."""

from __future__ import annotations

import psycopg
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, panel_account_id, sign_in
from tests.harness.people import make_people

pytestmark = pytest.mark.slow


def test_connect_over_the_hourly_limit_shows_the_message_instead_of_the_dialog(context, stack, request):
    shots = Shots(request.node.name)
    nina = make_people(stack, {"nina": "Nina's nails"})["nina"]
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        conn.execute("UPDATE accounts_workspace SET connects_per_hour = 1 WHERE id = %s", (nina.workspace_id,))
    page = context.new_page()
    sign_in(page, stack, "nina")
    page.click("#connect-button")
    panel_account_id(page)
    page.locator("#connect-dialog [data-close]").first.click()  # cancelled: the attempt still counts
    expect(page.locator("#connect-dialog")).not_to_be_visible()

    page.click("#connect-button")
    alert = page.locator("#page-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("limit of 1 connection attempt per hour.")
    expect(alert).to_contain_text("The next one is possible in")
    expect(page.locator("#connect-dialog")).not_to_be_visible()
    shots(page, "limit-reached-message")
