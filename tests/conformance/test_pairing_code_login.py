"""``client.requestPairingCode(phone)`` gives the code the phone enters, and the library logs in with it."""

from tests.conformance.conftest import PHONE_NUMBER, PUSHNAME
from tests.conformance.wwebjs import library_client, simulator_behind_front


async def test_it_logs_in_with_a_pairing_code(profile, tmp_path):
    async with simulator_behind_front(profile) as (sim, front):
        async with library_client(front, data_path=tmp_path) as client:
            await client.wait_for("qr")
            await client.wait_for("initialized")
            code = await client.command("request_pairing_code", phone_number=PHONE_NUMBER)
            await sim.link_with_code(code, phone_number=PHONE_NUMBER, pushname=PUSHNAME)
            ready = await client.wait_for("ready")
            events = client.names()

    assert len(code) == 8
    assert [e["code"] for e in client.of("code")] == [code]
    assert ready["info"]["wid"]["user"] == PHONE_NUMBER
    assert ready["info"]["pushname"] == PUSHNAME
    assert "error" not in events
