"""The phone can cause a conflict (taken back with takeover) and cut a device's connection (the page
shows TIMEOUT, retries, and connects again once the phone restores it)."""

from tests.simulator.conftest import link, open_tab


async def test_conflict_then_takeover(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    tab.recorder.clear()

    await sim.conflict(device_id)
    await tab.recorder.wait_for("state", "CONFLICT")
    await tab.page.evaluate("window.require('WAWebSocketModel').Socket.takeover()")
    await tab.recorder.wait_for("state", "CONNECTED")

    assert tab.recorder.values("state") == ["CONFLICT", "CONNECTED"]


async def test_use_here_button_takes_over(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    await sim.conflict(device_id)
    tab.recorder.clear()

    await tab.page.click("#use-here")
    await tab.recorder.wait_for("state", "CONNECTED")


async def test_drop_then_restore_reconnects_without_a_new_sync(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    tab.recorder.clear()

    await sim.drop(device_id)
    await tab.recorder.wait_for("state", "TIMEOUT")
    await tab.recorder.wait_for("state", "OPENING")
    await tab.page.wait_for_timeout(500)  # retries keep failing while dropped
    assert "CONNECTED" not in tab.recorder.values("state")
    assert (await sim.device(device_id))["connected"] is False

    await sim.restore(device_id)
    await tab.recorder.wait_for("state", "CONNECTED")

    assert "hasSynced" not in tab.recorder.kinds()
    assert "boot" not in tab.recorder.kinds(), "no navigation"
    assert (await sim.device(device_id))["connected"] is True


async def test_same_credentials_in_a_second_profile_put_the_first_in_conflict(browser, sim):
    tab = await open_tab(browser, sim.url)
    await link(tab, sim)
    copy = await open_tab(browser, sim.url, storage_state=await tab.context.storage_state(indexed_db=True))

    await copy.recorder.wait_for("state", "CONNECTED")
    await tab.recorder.wait_for("state", "CONFLICT")
    await tab.page.evaluate("window.require('WAWebSocketModel').Socket.takeover()")
    await copy.recorder.wait_for("state", "CONFLICT")
