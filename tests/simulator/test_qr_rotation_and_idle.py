"""Refs rotate with their lifetimes, then the page goes UNPAIRED_IDLE until the QR is reloaded."""

from simulator.testing import running_simulator
from tests.simulator.conftest import open_tab

FAST = {"first_qr_lifetime": 0.8, "next_qr_lifetime": 0.4, "qr_count": 3}


async def test_fresh_ref_each_rotation_then_idle_with_a_reload_button(browser):
    async with running_simulator("instant", **FAST) as sim:
        tab = await open_tab(browser, sim.url)
        await tab.recorder.wait_for("state", "UNPAIRED_IDLE")

        refs = tab.recorder.values("ref")
        assert len(refs) == 3 and len(set(refs)) == 3
        assert all(ref.startswith("2@") for ref in refs)
        assert await tab.page.get_attribute("div[data-ref]", "data-ref") == ""
        assert await tab.page.is_visible("div[data-ref] > span > button")
        assert await sim.qrs() == []


async def test_first_ref_lives_first_qr_lifetime_and_the_others_next_qr_lifetime(browser):
    # Lifetimes long enough that the page's receipt times (the server pushes each ref over /ws, which a busy
    # machine delays by a few hundred ms) still tell the first lifetime from the others.
    timings = {"first_qr_lifetime": 1.6, "next_qr_lifetime": 0.6, "qr_count": 3}
    async with running_simulator("instant", **timings) as sim:
        tab = await open_tab(browser, sim.url)
        await tab.recorder.wait_for("state", "UNPAIRED_IDLE")

        shown_at = [e.data["at"] for e in tab.recorder.events if e.kind == "ref"]
        idle_at = (await tab.recorder.wait_for("state", "UNPAIRED_IDLE")).data["at"]
        lived = [later - earlier for earlier, later in zip(shown_at, [*shown_at[1:], idle_at], strict=True)]

        slack = 0.3  # delivery jitter of each push
        assert lived[0] >= timings["first_qr_lifetime"] - slack
        assert all(span >= timings["next_qr_lifetime"] - slack for span in lived[1:])
        assert lived[0] > max(lived[1:])


async def test_reload_button_starts_again(browser):
    async with running_simulator("instant", **FAST) as sim:
        tab = await open_tab(browser, sim.url)
        await tab.recorder.wait_for("state", "UNPAIRED_IDLE")
        tab.recorder.clear()

        await tab.page.click("div[data-ref] > span > button")
        await tab.recorder.wait_for("state", "UNPAIRED")

        qrs = await sim.wait_for_qrs(page_id=await tab.page_id())
        assert qrs[0]["qr_count"] == 1
        assert await tab.page.get_attribute("div[data-ref]", "data-ref") == qrs[0]["qr"]


async def test_cmd_refresh_qr_starts_again(browser):
    async with running_simulator("instant", **FAST) as sim:
        tab = await open_tab(browser, sim.url)
        await tab.recorder.wait_for("state", "UNPAIRED_IDLE")
        tab.recorder.clear()

        await tab.page.evaluate("window.require('WAWebCmd').Cmd.refreshQR()")
        await tab.recorder.wait_for("ref")

        assert tab.recorder.values("state") == ["UNPAIRED"]
        assert len(await sim.wait_for_qrs(page_id=await tab.page_id())) == 1
