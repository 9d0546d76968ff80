"""A linked page keeps retrying while the simulator is down and connects again, without a QR, to a
restarted simulator that kept its linked devices."""

from simulator.testing import running_simulator
from tests.simulator.conftest import link, open_tab


async def test_open_page_reconnects_after_a_simulator_restart(browser, tmp_path):
    async with running_simulator("instant", data_dir=tmp_path) as sim:
        tab = await open_tab(browser, sim.url)
        device_id = await link(tab, sim)
        port = int(sim.url.rsplit(":", 1)[1])
        tab.recorder.clear()
    await tab.recorder.wait_for("state", "TIMEOUT")

    async with running_simulator("instant", data_dir=tmp_path, port=port) as restarted:
        await tab.recorder.wait_for("state", "CONNECTED")
        assert "ref" not in tab.recorder.kinds()
        assert "boot" not in tab.recorder.kinds()
        assert (await restarted.device(device_id))["connected"] is True
