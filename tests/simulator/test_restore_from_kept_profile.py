"""A profile that still holds its credentials reconnects without a QR; a wiped one needs a new QR."""

from simulator.testing import running_simulator
from tests.simulator.conftest import link, open_tab


async def test_reload_of_a_linked_page_connects_without_qr(browser, sim):
    tab = await open_tab(browser, sim.url)
    await link(tab, sim)
    tab.recorder.clear()

    await tab.page.reload()
    await tab.recorder.wait_for("state", "CONNECTED")

    assert "ref" not in tab.recorder.kinds()
    assert "UNPAIRED" not in tab.recorder.values("state")
    assert (await tab.recorder.wait_for("hasSynced", True)).data["pn"] == "5511999990000@c.us"


async def test_saved_storage_restores_in_a_new_context(browser, sim):
    tab = await open_tab(browser, sim.url)
    await link(tab, sim)
    state = await tab.context.storage_state(indexed_db=True)
    await tab.context.close()

    again = await open_tab(browser, sim.url, storage_state=state)
    await again.recorder.wait_for("state", "CONNECTED")

    assert "ref" not in again.recorder.kinds()


async def test_either_store_alone_is_enough(browser, sim):
    tab = await open_tab(browser, sim.url)
    await link(tab, sim)
    local_only = await tab.context.storage_state()  # localStorage, no IndexedDB
    await tab.page.evaluate("localStorage.clear()")

    await tab.page.reload()  # IndexedDB only
    await tab.recorder.wait_for("state", "CONNECTED")
    again = await open_tab(browser, sim.url, storage_state=local_only)
    await again.recorder.wait_for("state", "CONNECTED")

    assert "ref" not in again.recorder.kinds()


async def test_wiped_profile_needs_a_new_qr(browser, sim):
    tab = await open_tab(browser, sim.url)
    await link(tab, sim)
    await tab.context.close()

    fresh = await open_tab(browser, sim.url)
    await fresh.recorder.wait_for("state", "UNPAIRED")
    await fresh.recorder.wait_for("ref")

    assert len(await sim.wait_for_qrs(page_id=await fresh.page_id())) == 1


async def test_linked_devices_survive_a_simulator_restart(browser, tmp_path):
    async with running_simulator("instant", data_dir=tmp_path) as sim:
        tab = await open_tab(browser, sim.url)
        device_id = await link(tab, sim)
        state = await tab.context.storage_state(indexed_db=True)
        await tab.context.close()
        port = int(sim.url.rsplit(":", 1)[1])  # the same origin, so that the browser's storage applies

    async with running_simulator("instant", data_dir=tmp_path, port=port) as restarted:
        assert [d["device_id"] for d in await restarted.devices()] == [device_id]
        again = await open_tab(browser, restarted.url, storage_state=state)
        await again.recorder.wait_for("state", "CONNECTED")
        assert "ref" not in again.recorder.kinds()
        assert (await restarted.device(device_id))["connected"] is True
