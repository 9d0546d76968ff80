"""The library's own QR, scanned by the phone, logs it in (``ready`` with the phone number and push name);
a new client on the same LocalAuth folder comes back without a QR; a logout from the phone reaches it as
``disconnected`` (LOGOUT) and a new QR. One client's life, on each profile."""

from tests.conformance.conftest import PHONE_NUMBER, PUSHNAME
from tests.conformance.wwebjs import library_client, scan_when_ready, simulator_behind_front


async def test_it_logs_in_by_qr_restores_and_sees_the_phone_log_out(profile, tmp_path):
    async with simulator_behind_front(profile) as (sim, front):
        async with library_client(front, data_path=tmp_path) as client:
            device = await scan_when_ready(client, sim, phone_number=PHONE_NUMBER, pushname=PUSHNAME)
            ready = await client.wait_for("ready")
            login = client.names()

        async with library_client(front, data_path=tmp_path) as restored:
            restored_ready = await restored.wait_for("ready")
            at_ready = restored.names().index("ready")
            await sim.logout(device["device_id"])
            disconnected = await restored.wait_for("disconnected", after=at_ready)
            await restored.wait_for("qr", after=at_ready)
            restore = restored.names()
        logged_out = (await sim.device(device["device_id"]))["logged_out"]

    wid = ready["info"]["wid"]
    assert (wid["user"], wid["server"], wid["_serialized"]) == (PHONE_NUMBER, "c.us", f"{PHONE_NUMBER}@c.us")
    assert ready["info"]["pushname"] == PUSHNAME
    assert login.index("authenticated") < login.index("ready")
    assert "error" not in login

    assert restored_ready["info"]["wid"]["user"] == PHONE_NUMBER
    assert "qr" not in restore[:at_ready], "restored from the LocalAuth folder without a QR"
    assert disconnected["reason"] == "LOGOUT"
    assert "error" not in restore
    assert logged_out is True
