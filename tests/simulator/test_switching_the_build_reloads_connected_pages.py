"""``POST /phone/api/build`` switches the WhatsApp Web build served: every connected page is told to reload
itself and comes back on the new build, at the same URL, with the same page id, and a linked page still linked.
An unknown build is refused with 400 and changes nothing."""

import aiohttp
import pytest

from simulator.builds import DEFAULT_BUILD
from simulator.testing import PhoneError
from tests.simulator.conftest import link, open_tab

CHANGED = "2.3000.1031000000"


async def test_a_switch_reloads_a_connected_page_onto_the_new_build(browser, sim):
    tab = await open_tab(browser, sim.url + "/?from=test")
    page_id = await tab.page_id()
    await tab.page.evaluate("window.beforeTheSwitch = true")
    assert await tab.page.evaluate("window.Debug.VERSION") == DEFAULT_BUILD

    async with tab.page.expect_navigation():
        answer = await sim.set_build(CHANGED)
    await tab.page.wait_for_function("window.Debug && window.Debug.VERSION && window.__simulator.page.keys")

    assert answer["build"] == CHANGED
    assert await tab.page.evaluate("window.Debug.VERSION") == CHANGED
    assert await tab.page.evaluate("window.beforeTheSwitch") is None, "the page reloaded"
    assert tab.page.url == sim.url + "/?from=test", "the reload keeps the URL"
    assert await tab.page_id() == page_id
    await sim.wait_for_qrs(page_id=page_id)


async def test_a_linked_page_reloads_onto_the_new_build_still_linked(browser, sim):
    tab = await open_tab(browser, sim.url)
    device_id = await link(tab, sim)
    tab.recorder.clear()

    async with tab.page.expect_navigation():
        await sim.set_build(CHANGED)
    await tab.recorder.wait_for("hasSynced", True)

    assert await tab.page.evaluate("window.Debug.VERSION") == CHANGED
    assert await tab.socket_state() == "CONNECTED"
    assert (await sim.device(device_id))["connected"]
    assert (await sim.stats())["double_connections"] == 0


async def test_the_build_api_lists_the_catalogue_and_refuses_an_unknown_build(sim):
    listed = await sim.build()
    assert listed["build"] == DEFAULT_BUILD
    assert [b["build"] for b in listed["builds"]] == [DEFAULT_BUILD, CHANGED]
    assert all(b["description"] for b in listed["builds"])

    with pytest.raises(PhoneError) as refused:
        await sim.set_build("2.3000.9")
    assert refused.value.status == 400
    assert "unknown WhatsApp Web build '2.3000.9'" in refused.value.message
    async with aiohttp.ClientSession() as http, http.post(sim.url + "/phone/api/build", json={}) as response:
        assert response.status == 400 and "error" in await response.json()

    assert await sim.build() == listed
    assert await sim.set_build(CHANGED) == {**listed, "build": CHANGED}
    assert (await sim.build())["build"] == CHANGED
