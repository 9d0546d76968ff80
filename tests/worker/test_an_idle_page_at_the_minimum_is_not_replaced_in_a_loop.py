"""Idle, the pool keeps WARM_PAGES_MIN pages, but a page at the minimum whose first QR rotated away is not
replaced at once (that would be a page load per first QR, 60 an hour on the real site): the pool opens a page
at most once every IDLE_REOPEN_S (10 minutes) while idle."""

import asyncio

import pytest

from session_worker.keys import METRICS, WARM_PAGES
from tests.harness.waiting import wait_until_async

WATCHED_S = 6.0  # after the first page went: several short first-QR lifetimes


@pytest.fixture
def sim_overrides():
    return {"first_qr_lifetime": 1.0, "next_qr_lifetime": 1.0, "qr_count": 6}


async def test_an_idle_page_whose_first_qr_rotated_is_not_replaced_at_once(start_worker, receiver, sim, caplog):
    caplog.set_level("INFO", logger="session_worker.warm_pages")
    worker = await start_worker(warm_pages_min=1, warm_pages_max=2)
    pool = worker.app[WARM_PAGES]
    registry = worker.app[METRICS].registry

    def warm_loads() -> float:
        return registry.get_sample_value("wa_worker_page_loads_total", {"purpose": "warm"})

    await wait_until_async(lambda: pool.counts()["ready"] == 1, within=60, what="a warm page at the minimum")
    await wait_until_async(lambda: not pool._pages, within=60, what="the page closed once its first QR rotated")
    replaced = [r for r in caplog.records if r.getMessage() == "warm page replaced"]
    assert "its first QR rotated away" in str(getattr(replaced[0], "reason", ""))

    await asyncio.sleep(WATCHED_S)
    assert warm_loads() == 1
    assert pool.counts() == {"size": 1, "ready": 0, "warming": 0}
