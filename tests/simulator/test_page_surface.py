"""The page boots after its delay and presents WhatsApp Web's module surface, with Backbone-style events."""

import base64

from simulator.testing import running_simulator
from tests.simulator.conftest import open_tab

MODULES = [
    "WAWebSocketModel",
    "WAWebCmd",
    "WAWebConnModel",
    "WAWebOfflineHandler",
    "WAWebAltDeviceLinkingApi",
    "WABase64",
    "WAWebCompanionRegClientUtils",
    "WAWebAdvSignatureApi",
    "WAWebUserPrefsInfoStore",
    "WAWebSignalStoreApi",
    "WAWebUserPrefsMultiDevice",
    "WAWebUserPrefsMeUser",
    "WAWebCollections",
    "WAWebSyncGatingUtils",
    "WAWebCallCollection",
]

# What a client does (whatsapp-web.js's way): build the QR from the modules and the ref.
QR_FROM_MODULES_JS = """
async () => {
  const r = (name) => window.require(name);
  const reg = await r("WAWebSignalStoreApi").waSignalStore.getRegistrationInfo();
  const noise = await r("WAWebUserPrefsInfoStore").waNoiseInfo.get();
  const b64 = r("WABase64").encodeB64;
  const adv = r("WAWebUserPrefsMultiDevice").getADVSecretKey();  // not awaited, as whatsapp-web.js does
  const advAlso = r("WAWebAdvSignatureApi").getADVSecretKey();
  const platform = r("WAWebCompanionRegClientUtils").DEVICE_PLATFORM;
  const ref = r("WAWebConnModel").Conn.ref;
  return {qr: [ref, b64(noise.staticKeyPair.pubKey), b64(reg.identityKeyPair.pubKey), adv, platform].join(","),
          same_adv: adv === advAlso};
}
"""


async def test_debug_version_and_modules_appear_after_the_boot_delay(browser):
    async with running_simulator("instant", boot_delay=0.5) as sim:
        tab = await open_tab(browser, sim.url, record=False)
        assert await tab.page.evaluate("typeof window.Debug") == "undefined"

        await tab.page.wait_for_function("window.Debug && window.Debug.VERSION")
        version = await tab.page.evaluate("window.Debug.VERSION")
        present = await tab.page.evaluate("(names) => names.filter((n) => !!window.require(n))", MODULES)
        unknown = await tab.page.evaluate(
            "() => { try { window.require('NoSuchModule'); } catch (e) { return e instanceof Error && e.message; } }"
        )

        assert version.startswith("2.3000.")
        assert present == MODULES
        assert unknown == 'Requiring unknown module "NoSuchModule"', "as the real site's require throws"


async def test_qr_in_div_data_ref_matches_the_modules_and_the_phone(browser, sim):
    tab = await open_tab(browser, sim.url)
    await tab.recorder.wait_for("ref")
    shown = (await sim.wait_for_qrs(page_id=await tab.page_id()))[0]

    from_modules = await tab.page.evaluate(QR_FROM_MODULES_JS)
    in_dom = await tab.page.get_attribute("div[data-ref]", "data-ref")

    assert from_modules == {"qr": shown["qr"], "same_adv": True}
    assert in_dom == shown["qr"]
    ref, noise, identity, adv, platform = shown["qr"].split(",")
    assert ref == shown["ref"] and ref.startswith("2@")
    assert [len(k) for k in (noise, identity, adv)] == [44, 44, 44]
    assert all(len(base64.b64decode(k)) == 32 for k in (noise, identity, adv))
    assert platform == "1"


async def test_qr_is_drawn_on_a_canvas(browser, sim):
    tab = await open_tab(browser, sim.url)
    await tab.recorder.wait_for("ref")
    dark = await tab.page.wait_for_function(
        """() => { const c = document.querySelector("div[data-ref] canvas");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 64) n++; return n > 1000 && n; }"""
    )
    assert await dark.json_value() > 1000


async def test_events_pass_model_and_value(browser):
    async with running_simulator("instant", first_qr_lifetime=0.2, qr_count=1) as sim:
        tab = await open_tab(browser, sim.url, record=False)
        await tab.page.wait_for_function(
            "window.Debug && window.require('WAWebSocketModel').Socket.state == 'UNPAIRED_IDLE'"
        )
        seen = tab.page.evaluate(
            """() => new Promise((resolve) => {
              const Socket = window.require("WAWebSocketModel").Socket;
              const Conn = window.require("WAWebConnModel").Conn;
              const got = [];
              const done = () => got.length === 2 && resolve(got);
              Socket.on("change:state", (model, value) => {
                got.push(["state", model === Socket, value]);
                done();
              });
              Conn.on("change:ref", (model, value) => {
                got.push(["ref", model === Conn, value.startsWith("2@")]);
                done();
              });
              window.require("WAWebCmd").Cmd.refreshQR();
            })"""
        )
        assert sorted(await seen) == [["ref", True, True], ["state", True, "UNPAIRED"]]
