"""The real order of a linked page, after a scan and on a restore alike: OPENING -> CONNECTED -> history sync
(``offline_progress_update_from_bridge``, progress 0 -> 100) -> ``hasSynced`` true. After a scan the page is
PAIRING first and reloads itself once. The test-only setting ``connected_after_sync`` gives the old order
(CONNECTED after ``hasSynced``), which the worker's tests use to show it works with either."""

from simulator.testing import running_simulator
from tests.simulator.conftest import Recorded, link, open_tab


def linked_order(events: list[Recorded]) -> list[tuple[str, object]]:
    """What a linked page went through, from its (last) boot on: states, progress and hasSynced."""
    last_boot = max(i for i, e in enumerate(events) if e.kind == "boot")
    booted = events[last_boot]
    later = [e for e in events[last_boot + 1 :] if e.kind in ("state", "progress", "hasSynced")]
    return [("boot", booted.data["state"])] + [(e.kind, e.data["value"]) for e in later]


EXPECTED = [
    ("boot", "OPENING"),
    ("state", "CONNECTED"),
    ("progress", 0),
    ("progress", 25),
    ("progress", 50),
    ("progress", 75),
    ("progress", 100),
    ("hasSynced", True),
]


def assert_the_real_order(events: list[Recorded]) -> None:
    """The linked page's order is EXPECTED's. The recorder hooks in by polling, as clients do, so on a busy
    machine it can attach after the page went CONNECTED (the boot then shows CONNECTED): what it saw from there
    must be the end of the real order, the sync still under way."""
    order = linked_order(events)
    if order[0] == ("boot", "OPENING"):
        assert order == EXPECTED
        return
    assert order[0] == ("boot", "CONNECTED"), order
    seen = order[1:]
    assert seen == EXPECTED[len(EXPECTED) - len(seen) :], order
    assert len(seen) >= 2, order  # at least the sync's end, then hasSynced


async def test_scan_goes_pairing_then_reload_then_connected_then_sync(browser):
    async with running_simulator("instant", sync_delay=0.2) as sim:
        tab = await open_tab(browser, sim.url)
        qr = (await sim.wait_for_qrs(page_id=await tab.page_id()))[0]["qr"]
        await tab.recorder.wait_for("ref")

        await sim.scan(qr, phone_number="5511999990000")
        await tab.recorder.wait_for("hasSynced", True)

        events = tab.recorder.events
        boots = [e.data["url"] for e in events if e.kind == "boot"]
        first_boot_states = [e.data["value"] for e in events[: [e.kind for e in events].index("boot", 1)] if
                             e.kind == "state"]  # fmt: skip
        assert boots == ["/", "/"], "the page reloads itself once after pairing"
        assert first_boot_states == ["UNPAIRED", "PAIRING"]
        assert_the_real_order(events)


async def test_restore_goes_connected_then_sync(browser):
    async with running_simulator("instant", sync_delay=0.2) as sim:
        tab = await open_tab(browser, sim.url)
        await link(tab, sim)
        tab.recorder.clear()

        await tab.page.reload()
        await tab.recorder.wait_for("hasSynced", True)

        assert_the_real_order(tab.recorder.events)
        assert "ref" not in tab.recorder.kinds()


async def test_the_test_only_setting_gives_the_old_order_connected_after_the_sync(browser):
    async with running_simulator("instant", sync_delay=0.2, connected_after_sync=True) as sim:
        tab = await open_tab(browser, sim.url)
        qr = (await sim.wait_for_qrs(page_id=await tab.page_id()))[0]["qr"]
        await tab.recorder.wait_for("ref")

        await sim.scan(qr, phone_number="5511999990000")
        await tab.recorder.wait_for("state", "CONNECTED")

        assert linked_order(tab.recorder.events) == [
            ("boot", "OPENING"),
            *[step for step in EXPECTED if step[0] == "progress"],
            ("hasSynced", True),
            ("state", "CONNECTED"),
        ]
