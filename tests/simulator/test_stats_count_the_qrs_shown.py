"""``/phone/api/stats`` counts the QR codes (refs) shown since start, every rotation's, so that a test can
assert that a client showed no new QR (the count stays flat).

A bare WebSocket client stands in for the page: the count is the hub's."""

import asyncio

import aiohttp

from simulator.testing import running_simulator


async def rotate_until_idle(http, sim):
    async with http.ws_connect(sim.url + "/ws") as ws:
        await ws.send_json({"type": "hello", "page_id": None, "credentials": None})
        kinds = []
        while not kinds or kinds[-1] != "idle":
            kinds.append((await asyncio.wait_for(ws.receive_json(), 10))["type"])
        return kinds.count("qr")


async def test_every_qr_of_every_rotation_counts_and_the_count_then_stays_flat():
    async with (
        running_simulator("instant", first_qr_lifetime=0.2, next_qr_lifetime=0.1, qr_count=3) as sim,
        aiohttp.ClientSession() as http,
    ):
        assert (await sim.stats())["qrs_shown"] == 0
        assert await rotate_until_idle(http, sim) == 3
        assert (await sim.stats())["qrs_shown"] == 3
        assert await rotate_until_idle(http, sim) == 3
        await asyncio.sleep(0.3)
        assert (await sim.stats())["qrs_shown"] == 6
