"""The phone's human page lists the QR codes on screen and links a device with a click."""

from collections.abc import AsyncIterator

import pytest_asyncio

from simulator.testing import RunningSimulator, running_simulator
from tests.simulator.conftest import open_tab


@pytest_asyncio.fixture(loop_scope="package")
async def sim() -> AsyncIterator[RunningSimulator]:
    """The first QR lives a minute, as on the real site: the phone page's row holds the code shown when the page
    loaded, and the instant profile's 8 s could rotate it away before the click on a busy machine."""
    async with running_simulator("instant", first_qr_lifetime=60.0) as simulator:
        yield simulator


async def test_phone_page_scans_a_qr_and_lists_the_device(browser, sim):
    tab = await open_tab(browser, sim.url)
    page_id = await tab.page_id()
    phone = await tab.context.new_page()
    await phone.goto(sim.url + "/phone")

    await phone.fill("#phone_number", "5511912345678")
    await phone.fill("#pushname", "Bia")
    await phone.click(f"#qrs tr[data-page-id='{page_id}'] button")
    await tab.recorder.wait_for("state", "CONNECTED")
    await phone.wait_for_selector("#devices tr >> text=connected")

    assert "Scan: ok" in await phone.text_content("#message")
    assert "+5511912345678" in await phone.text_content("#devices")
    assert (await sim.devices())[0]["pushname"] == "Bia"


async def test_phone_page_shows_the_error_of_a_bad_code(browser, sim):
    tab = await open_tab(browser, sim.url + "/phone", record=False)
    await tab.page.fill("#code", "ZZZZ-ZZZZ")
    await tab.page.click("#code-form button")
    await tab.page.wait_for_selector("#message.error")
    assert "unknown pairing code" in await tab.page.text_content("#message")
