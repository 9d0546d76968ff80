"""The phone API answers bad input, unknown and expired QR codes and unknown devices with clear errors.

A bare WebSocket client stands in for the page here: these are the API's answers, not the page's behaviour.
"""

import contextlib
import json

import aiohttp
import pytest

from simulator.testing import PhoneError, running_simulator


@contextlib.asynccontextmanager
async def bare_page(sim):
    async with aiohttp.ClientSession() as http, http.ws_connect(sim.url + "/ws") as ws:
        await ws.send_json({"type": "hello", "page_id": None, "credentials": None})
        welcome = await ws.receive_json()
        yield welcome["page_id"], ws


async def post_raw(sim, path, data):
    async with aiohttp.ClientSession() as http, http.post(sim.url + path, data=data) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
async def test_bad_json_is_400(sim, body):
    status, answer = await post_raw(sim, "/phone/api/scan", body)
    assert status == 400
    assert "JSON" in answer["error"]


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"phone_number": "5511999990000"}, "qr is required"),
        ({"qr": "hello", "phone_number": "5511999990000"}, "not a WhatsApp Web QR code"),
        ({"qr": "2@a,b,c,d,1", "phone_number": "+55 11 99999"}, "phone_number"),
        ({"qr": "2@a,b,c,d,1", "phone_number": "5511999990000", "pushname": ""}, "pushname"),
    ],
)
async def test_bad_scan_input_is_400(sim, body, mentions):
    status, answer = await post_raw(sim, "/phone/api/scan", json.dumps(body))
    assert status == 400
    assert mentions in answer["error"]


async def test_unknown_qr_is_404(sim):
    with pytest.raises(PhoneError) as error:
        await sim.scan("2@never,shown,by,any,1", phone_number="5511999990000")
    assert error.value.status == 404
    assert "unknown QR code" in error.value.message


async def test_expired_qr_is_410():
    async with (
        running_simulator("instant", first_qr_lifetime=0.3, next_qr_lifetime=5.0) as sim,
        bare_page(sim) as (
            page_id,
            _ws,
        ),
    ):
        first = (await sim.wait_for_qrs(page_id=page_id))[0]
        await sim.wait_for_qrs(page_id=page_id, exclude={first["qr"]})
        with pytest.raises(PhoneError) as error:
            await sim.scan(first["qr"], phone_number="5511999990000")
    assert error.value.status == 410
    assert "expired" in error.value.message


async def test_qr_of_a_closed_page_is_410(sim):
    async with bare_page(sim) as (page_id, _ws):
        qr = (await sim.wait_for_qrs(page_id=page_id))[0]["qr"]
    with pytest.raises(PhoneError) as error:
        await sim.scan(qr, phone_number="5511999990000")
    assert error.value.status == 410


async def test_qr_scanned_twice_is_409(sim):
    async with bare_page(sim) as (page_id, ws):
        qr = (await sim.wait_for_qrs(page_id=page_id))[0]["qr"]
        await sim.scan(qr, phone_number="5511999990000")
        with pytest.raises(PhoneError) as error:
            await sim.scan(qr, phone_number="5511999990000")
        paired = [m for m in [await ws.receive_json() for _ in range(2)] if m["type"] == "paired"]
    assert error.value.status == 409
    assert paired and paired[0]["me"]["phone_number"] == "5511999990000"


@pytest.mark.parametrize("action", ["logout", "conflict", "drop", "restore"])
async def test_unknown_device_is_404(sim, action):
    with pytest.raises(PhoneError) as error:
        await getattr(sim, action)("dev_nosuchdevice")
    assert error.value.status == 404
    assert "unknown device" in error.value.message


async def test_unknown_action_is_404(sim):
    status, answer = await post_raw(sim, "/phone/api/devices/dev_x/explode", b"")
    assert status == 404
    assert "unknown action" in answer["error"]


async def test_conflict_on_a_device_not_connected_is_409(sim):
    async with bare_page(sim) as (page_id, _ws):
        qr = (await sim.wait_for_qrs(page_id=page_id))[0]["qr"]
        device = await sim.scan(qr, phone_number="5511999990000")
    with pytest.raises(PhoneError) as error:
        await sim.conflict(device["device_id"])
    assert error.value.status == 409
