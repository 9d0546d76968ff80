"""The HTML of a load alone decides the build its page runs: an HTML fetched before a switch, served again
afterwards (as a client pinning a build that worked does), still runs the old build's layout and talks to the
hub as before, while a fresh load gets the new build."""

import aiohttp

from simulator.builds import DEFAULT_BUILD
from tests.simulator.conftest import open_tab

CHANGED = "2.3000.1031000000"

LAYOUT_JS = """() => {
  const has = (name) => { try { return !!window.require(name); } catch (e) { return false; } };
  return {version: window.Debug.VERSION, cmd: has("WAWebCmd"), bus: has("WAWebCommandBus"),
          adv: window.require("WAWebUserPrefsMultiDevice").getADVSecretKey.constructor.name};
}"""


async def test_a_saved_default_html_keeps_the_default_layout_after_the_switch(browser, sim):
    async with aiohttp.ClientSession() as http, http.get(sim.url + "/") as response:
        saved = await response.text()
    await sim.set_build(CHANGED)

    context = await browser.new_context()
    # A document served by route.fulfill has no address, so Chromium counts it public and blocks its WebSocket to
    # the loopback simulator (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS) unless the context grants this.
    await context.grant_permissions(["local-network-access"])
    pinned = await context.new_page()
    await pinned.route(sim.url + "/", lambda route: route.fulfill(body=saved, content_type="text/html"))
    await pinned.goto(sim.url + "/")
    await pinned.wait_for_function("window.__simulator && window.__simulator.page.id")
    fresh = await open_tab(browser, sim.url, record=False)
    await fresh.page.wait_for_function("window.Debug && window.Debug.VERSION")

    assert await pinned.evaluate(LAYOUT_JS) == {"version": DEFAULT_BUILD, "cmd": True, "bus": False, "adv": "Function"}
    assert await pinned.evaluate("window.require('WAWebCmd').Cmd.refreshQR()") is None
    await sim.wait_for_qrs(page_id=await pinned.evaluate("window.__simulator.page.id"))  # the hub serves it as ever
    assert await fresh.page.evaluate(LAYOUT_JS) == {"version": CHANGED, "cmd": False, "bus": True,
                                                    "adv": "AsyncFunction"}  # fmt: skip
