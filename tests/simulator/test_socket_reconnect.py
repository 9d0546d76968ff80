"""``Socket.reconnect()`` (whatsapp-web.js's ``resetState()``) opens a new connection: OPENING, then CONNECTED
again, with no reload and no new history sync."""

from tests.simulator.conftest import link, open_tab


async def test_reconnect_goes_opening_then_connected_without_a_sync(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    tab.recorder.clear()

    await tab.page.evaluate("window.require('WAWebSocketModel').Socket.reconnect()")
    await tab.recorder.wait_for("state", "CONNECTED")

    assert tab.recorder.values("state") == ["OPENING", "CONNECTED"]
    assert not {"boot", "progress", "hasSynced"} & set(tab.recorder.kinds())
    assert (await sim.device(device_id))["connected"] is True
