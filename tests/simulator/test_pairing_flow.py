"""A linked page: the phone number only once synced (a LID before), a ref that never changes, Conn's
description of the phone. (The order of the states: test_connected_comes_before_the_history_sync.py.)"""

from simulator.testing import running_simulator
from tests.simulator.conftest import link, open_tab


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
