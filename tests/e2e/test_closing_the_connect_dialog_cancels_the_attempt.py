"""A Connect dialog closed before the scan cancels its attempt, in Chromium on the live stack: the worker stops
that session's page, the account leaves the list (its timeline keeps it, DELETED:CANCELLED), and the simulator's
phone page no longer lists that page's QR. A browser tab closed mid-connect: the expiry job (beat, every 15 s)
ends the attempt once it is older than QR_LIFETIME_S, and its QR stops rotating on the phone page too."""

from __future__ import annotations

import psycopg
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Shots, panel_account_id, shown_qr, sign_in
from tests.harness.people import make_people
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.slow


# The shared stack's simulator has the real site's QR lifetimes (60 s, then 20 s): no rotation or worker-side
# expiry during a step.


def sql(stack, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def timeline(stack, account_id: int) -> list[tuple[str, str]]:
    return sql(
        stack,
        "SELECT status, reason FROM accounts_accountstatuschange WHERE account_id = %s ORDER BY at",
        (account_id,),
    )


def qrs_of_the_phone(phone) -> set[str]:
    return {qr["qr"] for qr in phone.qrs()}


def the_phone_page_lists(page, qr: str) -> None:
    page.reload()
    expect(page.locator(f'#qrs img.qr[data-qr="{qr}"]')).to_have_count(1)


def test_closing_the_dialog_before_the_scan_cancels_the_attempt(context, stack, phone, request):
    shots = Shots(request.node.name)
    carla = make_people(stack, {"carla": "Carla's café"})["carla"]
    page = context.new_page()
    sign_in(page, stack, "carla")
    page.click("#connect-button")
    account_id = panel_account_id(page)
    qr = shown_qr(page, carla.workspace_id, account_id)
    assert qr in qrs_of_the_phone(phone)
    phone_page = context.new_page()
    phone_page.goto(f"{stack.simulator_url}/phone")
    the_phone_page_lists(phone_page, qr)
    shots(page, "qr-showing")
    shots(phone_page, "phone-lists-the-qr")

    page.locator("#connect-dialog [data-close]").first.click()
    expect(page.locator("#connect-dialog")).not_to_be_visible()
    expect(page.locator(f'#accounts > li[data-account-id="{account_id}"]')).to_have_count(0)
    expect(page.locator("#live-status")).to_contain_text("cancelled")
    shots(page, "dialog-closed-attempt-cancelled")

    wait_until(lambda: qr not in qrs_of_the_phone(phone), within=30, what="the cancelled page's QR leaves the phone")
    phone_page.reload()
    expect(phone_page.locator(f'#qrs img.qr[data-qr="{qr}"]')).to_have_count(0)
    shots(phone_page, "phone-no-longer-lists-it")
    assert timeline(stack, account_id)[-2:] == [("failed", "CANCELLED"), ("failed", "DELETED:CANCELLED")]
    page.reload()  # and it stays gone
    expect(page.locator(f'#accounts > li[data-account-id="{account_id}"]')).to_have_count(0)


def test_a_tab_closed_mid_connect_ends_its_attempt_at_the_qr_lifetime(context, stack, phone, request):
    make_people(stack, {"tomas": "Tomas's tools"})
    page = context.new_page()
    sign_in(page, stack, "tomas")
    page.click("#connect-button")
    account_id = panel_account_id(page)
    qr = wait_until(
        lambda: sql(stack, "SELECT qr_code FROM accounts_whatsappaccount WHERE id = %s", (account_id,))[0][0] or None,
        within=30,
        what="QR stored",
    )
    page.close()  # the tab: no dialog left to cancel anything
    assert qr in qrs_of_the_phone(phone)
    # As if QR_LIFETIME_S (180 s) had passed since the connect: the expiry job finds it on its next run.
    sql(
        stack,
        "UPDATE accounts_whatsappaccount SET status_changed_at = now() - interval '1 hour' WHERE id = %s RETURNING id",
        (account_id,),
    )
    wait_until(
        lambda: sql(stack, "SELECT deleted_at FROM accounts_whatsappaccount WHERE id = %s", (account_id,))[0][0],
        within=60,
        what="the expiry job ends the attempt",
    )
    assert timeline(stack, account_id)[-2:] == [("failed", "QR_EXPIRED"), ("failed", "DELETED:QR_EXPIRED")]
    # The worker stopped its page: the simulator closed it, so nothing rotates for it any more.
    wait_until(lambda: qr not in qrs_of_the_phone(phone), within=30, what="its QR leaves the phone")
