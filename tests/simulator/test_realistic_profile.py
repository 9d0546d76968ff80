"""The realistic profile takes its seconds, as the real site does: boot 2-4 s, sync 1-3 s after the scan."""

import pytest

from simulator.testing import running_simulator
from tests.simulator.conftest import open_tab


@pytest.mark.slow
async def test_realistic_boot_and_sync_take_their_time(browser):
    async with running_simulator("realistic") as sim:
        tab = await open_tab(browser, sim.url)
        await tab.recorder.wait_for("boot")
        booted_after = await tab.page.evaluate("performance.now() / 1000")
        qr = (await sim.wait_for_qrs(page_id=await tab.page_id()))[0]

        await sim.scan(qr["qr"], phone_number="5511999990000")
        synced = await tab.recorder.wait_for("hasSynced", True, within=30)
        first_progress = next(e for e in tab.recorder.events if e.kind == "progress")

        assert booted_after >= 2.0
        assert qr["expires_at"] - first_progress.data["at"] > 40, "the first QR lives 60 s"
        assert synced.data["at"] - first_progress.data["at"] >= 1.0 - 0.05
