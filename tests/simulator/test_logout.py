"""Logout from the phone (or from the page) ends the link: the page navigates to /?post_logout=1 and
shows a new QR, and its old credentials no longer restore it."""

from tests.simulator.conftest import link, open_tab


async def test_phone_logout_emits_logout_from_bridge_and_navigates(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    tab.recorder.clear()

    answer = await sim.logout(device_id)
    await tab.recorder.wait_for("logout_from_bridge")
    boot = await tab.recorder.wait_for("boot")
    await tab.recorder.wait_for("state", "UNPAIRED")

    assert answer["logged_out"] is True and answer["connected"] is False
    assert boot.data["url"] == "/?post_logout=1"
    assert tab.page.url.endswith("/?post_logout=1")
    assert len(await sim.wait_for_qrs(page_id=await tab.page_id())) == 1
    assert await tab.page.evaluate("localStorage.length") == 0


async def test_profile_of_a_logged_out_device_needs_a_new_qr(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    state = await tab.context.storage_state(indexed_db=True)
    await tab.context.close()

    await sim.logout(device_id)
    again = await open_tab(browser, sim.url, storage_state=state)
    await again.recorder.wait_for("ref")

    assert "CONNECTED" not in again.recorder.values("state")
    assert (await sim.device(device_id))["logged_out"] is True


async def test_socket_logout_from_the_page_logs_the_device_out(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    tab.recorder.clear()

    await tab.page.evaluate("window.require('WAWebSocketModel').Socket.logout()")
    await tab.recorder.wait_for("logout")
    await tab.recorder.wait_for("state", "UNPAIRED")

    assert tab.page.url.endswith("/?post_logout=1")
    assert (await sim.device(device_id))["logged_out"] is True
