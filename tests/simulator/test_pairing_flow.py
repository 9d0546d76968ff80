"""A scan takes the page through PAIRING, its own reload, OPENING, sync, hasSynced and CONNECTED."""

from simulator.testing import running_simulator
from tests.simulator.conftest import link, open_tab


async def test_scan_reloads_the_page_then_syncs_and_connects(browser):
    async with running_simulator("instant", sync_delay=0.2) as sim:
        tab = await open_tab(browser, sim.url)
        qr = (await sim.wait_for_qrs(page_id=await tab.page_id()))[0]["qr"]
        await tab.recorder.wait_for("ref")

        device = await sim.scan(qr, phone_number="5511999990000", pushname="Ana", platform="iphone")
        await tab.recorder.wait_for("state", "CONNECTED")

        assert device["phone_number"] == "5511999990000"
        kinds = tab.recorder.kinds()
        boots = [e.data for e in tab.recorder.events if e.kind == "boot"]
        assert [b["url"] for b in boots] == ["/", "/"], "the page reloads itself once after pairing"
        after_reload = kinds.index("boot", 1)
        assert tab.recorder.values("state")[: kinds[:after_reload].count("state")] == ["UNPAIRED", "PAIRING"]
        assert boots[1]["state"] == "OPENING"
        later = [e for e in tab.recorder.events[after_reload:] if e.kind in ("progress", "hasSynced", "state")]
        assert [e.kind for e in later][-2:] == ["hasSynced", "state"]
        assert later[-1].data["value"] == "CONNECTED"
        assert [e.data["value"] for e in later if e.kind == "progress"][-1] == 100


async def test_phone_number_only_after_sync_and_lid_before(browser):
    async with running_simulator("instant", sync_delay=0.2) as sim:
        tab = await open_tab(browser, sim.url)
        await link(tab, sim, phone_number="5511988887777")

        progress = [e.data for e in tab.recorder.events if e.kind == "progress"]
        assert progress and all(p["pn"] is None and p["lid"].endswith("@lid") for p in progress)
        synced = await tab.recorder.wait_for("hasSynced", True)
        assert synced.data["pn"] == "5511988887777@c.us"
        me = await tab.page.evaluate(
            "(() => { const u = window.require('WAWebUserPrefsMeUser').getMaybeMePnUser();"
            " return {user: u.user, server: u.server, serialized: u._serialized}; })()"
        )
        assert me == {"user": "5511988887777", "server": "c.us", "serialized": "5511988887777@c.us"}


async def test_ref_never_changes_once_linked(browser, sim):
    tab = await open_tab(browser, sim.url)
    await link(tab, sim)
    refs = tab.recorder.values("ref")
    ref_at = max(i for i, e in enumerate(tab.recorder.events) if e.kind == "ref")
    pairing_at = next(i for i, e in enumerate(tab.recorder.events) if e.data.get("value") == "PAIRING")

    assert len(refs) == 1 and ref_at < pairing_at
    assert await tab.page.evaluate("window.require('WAWebConnModel').Conn.ref") is None


async def test_conn_serialize_gives_pushname_and_platform(browser, sim):
    tab = await open_tab(browser, sim.url)
    await link(tab, sim, pushname="Ana Souza", platform="smba")
    info = await tab.page.evaluate("window.require('WAWebConnModel').Conn.serialize()")
    assert info["pushname"] == "Ana Souza"
    assert info["platform"] == "smba"
    assert info["phone"]["device_manufacturer"]
