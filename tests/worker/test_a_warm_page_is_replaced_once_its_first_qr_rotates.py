"""Only a page on its first QR waits in the pool: once that QR rotates away (and so long before its QRs run
out) the page is closed and, while sessions start (the pool at its most), a fresh one takes its place, so a
session always starts with the whole life of its QRs ahead of it."""

import asyncio
import time

import pytest

from session_worker.keys import WARM_PAGES
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


@pytest.fixture
def sim_overrides():
    return {"first_qr_lifetime": 1.0, "next_qr_lifetime": 1.0, "qr_count": 6}


async def test_a_rotated_page_is_replaced_before_its_qrs_run_out(start_worker, receiver, sim, caplog):
    caplog.set_level("INFO", logger="session_worker.warm_pages")
    worker = await start_worker(warm_pages_max=1)  # idle at start (no page): a start makes it fill
    pool = worker.app[WARM_PAGES]
    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "qr_code_generated")
    await wait_until_async(lambda: pool.counts()["ready"] == 1, within=60, what="a warm page")

    async def the_pool_page() -> dict | None:
        """The QR on screen that is not the session's (its QRs rotate too: asked again until they tell apart)."""
        sessions = {event.data["qr"] for event in receiver.of(sid, "qr_code_generated")}
        showing = await sim.qrs()
        others = [qr for qr in showing if qr["qr"] not in sessions]
        return others[0] if len(showing) == 2 and len(others) == 1 else None

    first = await wait_until_async(the_pool_page, within=60, what="the pool's page told from the session's")

    # Its QRs, until the pool says it replaced it (a page between two QRs shows none for a moment: not a close).
    highest = 1
    deadline = time.monotonic() + 60
    while not replaced(caplog):
        if time.monotonic() > deadline:
            pytest.fail("the pool kept a page whose first QR had rotated")
        mine = [qr for qr in await sim.qrs() if qr["page_id"] == first["page_id"]]
        highest = max([highest, *(qr["qr_count"] for qr in mine)])
        await asyncio.sleep(0.05)

    assert highest <= 2  # replaced at its second QR, never left to run through its six
    assert "its first QR rotated away" in replaced(caplog)
    await wait_until_async(lambda: pool.counts()["ready"] == 1, within=60, what="a fresh warm page")
    assert first["page_id"] not in {qr["page_id"] for qr in await sim.qrs()}


def replaced(caplog) -> str:
    """The reason of the pool's first "warm page replaced", "" until there is one."""
    for record in caplog.records:
        if record.getMessage() == "warm page replaced":
            return str(getattr(record, "reason", ""))
    return ""
