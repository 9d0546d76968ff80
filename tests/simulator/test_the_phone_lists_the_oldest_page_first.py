"""The phone lists the QR codes on screen with the oldest page first (docs/simulator.md, the phone page): a page a
session took from a worker's warm pool is older than every page the pool opened after it, so the top row is the QR
a settings page shows. The page marks it so."""

from simulator.testing import running_simulator
from tests.simulator.conftest import open_tab


async def test_the_oldest_page_is_first_whatever_its_rotation(browser):
    async with running_simulator("instant", first_qr_lifetime=1.0, next_qr_lifetime=30.0) as sim:
        oldest = await open_tab(browser, sim.url)
        oldest_id = await oldest.page_id()
        first = await sim.wait_for_qrs(count=1, page_id=oldest_id)
        # rotated: its current QR is newer than the next page's first
        await sim.wait_for_qrs(count=1, page_id=oldest_id, exclude={first[0]["qr"]})
        newer = await open_tab(browser, sim.url)
        newer_id = await newer.page_id()
        await sim.wait_for_qrs(count=1, page_id=newer_id)

        listed = [qr["page_id"] for qr in await sim.qrs()]
        assert listed.index(oldest_id) < listed.index(newer_id)

        phone = await newer.context.new_page()
        await phone.goto(sim.url + "/phone")
        first = phone.locator("#qrs tr").first
        await first.wait_for()
        assert await first.get_attribute("data-page-id") == oldest_id
        assert "on your settings page" in await first.text_content()
