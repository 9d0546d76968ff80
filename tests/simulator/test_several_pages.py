"""Several browser profiles at once: each its own page_id and QR flow; a scan links only its own page."""

import asyncio

from tests.simulator.conftest import open_tab


async def test_each_page_has_its_own_qr_and_links_alone(browser, sim):
    first, second = await asyncio.gather(open_tab(browser, sim.url), open_tab(browser, sim.url))
    first_id, second_id = await first.page_id(), await second.page_id()
    qrs = {q["page_id"]: q for q in await sim.wait_for_qrs(count=2)}

    assert first_id != second_id
    assert set(qrs) == {first_id, second_id}
    assert qrs[first_id]["qr"].split(",")[1:4] != qrs[second_id]["qr"].split(",")[1:4], "keys are per profile"

    await sim.scan(qrs[second_id]["qr"], phone_number="5511911112222")
    await second.recorder.wait_for("state", "CONNECTED")

    assert "PAIRING" not in first.recorder.values("state")
    assert [q["page_id"] for q in await sim.qrs()] == [first_id]


async def test_page_id_survives_the_reload_after_pairing(browser, sim):
    tab = await open_tab(browser, sim.url)
    page_id = await tab.page_id()
    qr = (await sim.wait_for_qrs(page_id=page_id))[0]["qr"]
    await sim.scan(qr, phone_number="5511911112222")
    await tab.recorder.wait_for("state", "CONNECTED")

    assert await tab.page_id() == page_id
