"""``hasSynced`` turns true only once a ``change:hasSynced`` listener is there, and only after CONNECTED, so
that a client that attaches its listener when the state leaves OPENING (whatsapp-web.js) sees it; with no
listener it turns true after ``sync_gate_timeout``."""

from simulator.testing import running_simulator
from tests.simulator.conftest import open_tab

SOCKET = "window.require('WAWebSocketModel').Socket"

# whatsapp-web.js's way, on every document: wait for the state to leave OPENING/PAIRING/UNLAUNCHED, then
# listen to change:hasSynced. What it saw ends up in window.__libraryLike.
LIBRARY_LIKE_JS = """
(() => {
  const start = () => {
    if (!window.Debug || !window.Debug.VERSION) return setTimeout(start, 5);
    const Socket = window.require("WAWebSocketModel").Socket;
    const waiting = (state) => ["OPENING", "PAIRING", "UNLAUNCHED"].includes(state);
    if (!window.__simulator.page.credentials || !waiting(Socket.state)) return;  // only a linked page's boot
    Socket.on("change:state", function waitTillInit(model, state) {
      if (waiting(state)) return;
      Socket.off("change:state", waitTillInit);
      const seen = { state, synced: Socket.hasSynced };
      Socket.on("change:hasSynced", (model, value) => { window.__libraryLike = { ...seen, value }; });
    });
  };
  start();
})();
"""


async def linked_page_without_listener(browser, sim):
    tab = await open_tab(browser, sim.url, record=False)
    await tab.page.wait_for_function("window.__simulator && window.__simulator.page.id")
    qr = (await sim.wait_for_qrs(page_id=await tab.page_id()))[0]["qr"]
    await sim.scan(qr, phone_number="5511999990000")
    await tab.page.wait_for_function("window.__simulator && window.__simulator.page.credentials")
    return tab


async def test_a_client_listening_once_connected_sees_has_synced(browser):
    async with running_simulator("instant", sync_delay=0.2) as sim:
        context = await browser.new_context()
        await context.add_init_script(LIBRARY_LIKE_JS)
        page = await context.new_page()
        await page.goto(sim.url)
        await page.wait_for_function("window.__simulator && window.__simulator.page.id")
        qr = (await sim.wait_for_qrs())[0]["qr"]
        await sim.scan(qr, phone_number="5511999990000")

        seen = await (await page.wait_for_function("window.__libraryLike")).json_value()

        assert seen == {"state": "CONNECTED", "synced": False, "value": True}


async def test_has_synced_waits_while_nobody_listens(browser):
    async with running_simulator("instant") as sim:
        tab = await linked_page_without_listener(browser, sim)
        await tab.page.wait_for_function(f"window.Debug && {SOCKET}.state === 'CONNECTED'")
        await tab.page.wait_for_function("window.__simulator.page.offlineProgress === 100")
        await tab.page.wait_for_timeout(300)

        assert await tab.page.evaluate(f"{SOCKET}.hasSynced") is False
        synced = await tab.page.evaluate(
            f"() => new Promise((resolve) => {SOCKET}.on('change:hasSynced', (model, value) => resolve(value)))"
        )
        assert synced is True


async def test_without_a_listener_has_synced_comes_after_the_gate_timeout(browser):
    async with running_simulator("instant", sync_gate_timeout=0.5) as sim:
        tab = await linked_page_without_listener(browser, sim)
        await tab.page.wait_for_function(f"window.Debug && {SOCKET}.hasSynced === true")

        assert await tab.page.evaluate(f"{SOCKET}.state") == "CONNECTED"
