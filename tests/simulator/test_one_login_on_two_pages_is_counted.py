"""The simulator counts each time one login is connected on two pages at once (what a second worker opening a
session that another still drives would cause), so that the scale-out tests can assert it never happens."""

from tests.simulator.conftest import link, open_tab


async def test_a_second_page_with_the_same_login_counts_once_and_one_page_counts_nothing(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    assert (await sim.stats())["double_connections"] == 0

    copy = await open_tab(browser, sim.url, storage_state=await tab.context.storage_state(indexed_db=True))
    await copy.recorder.wait_for("state", "CONNECTED")

    stats = await sim.stats()
    assert stats["double_connections"] == 1
    assert stats["double_connections_by_device"] == {device_id: 1}
