"""``window.require`` of an unknown module throws an Error, as the real site's module system does
(``Requiring unknown module "<name>"``); whatsapp-web.js relies on that where it probes optional modules
(``injectToFunction`` catches it), and a known module is returned."""

from tests.conformance.wwebjs import library_client, simulator_behind_front


async def test_an_unknown_module_throws_like_the_real_require(profile, tmp_path):
    async with simulator_behind_front(profile) as (_sim, front):
        async with library_client(front, data_path=tmp_path) as client:
            await client.wait_for("initialized")
            unknown = await client.command("require", name="WAWebNoSuchModule")
            known = await client.command("require", name="WAWebSocketModel")

    assert unknown == {
        "threw": True,
        "isError": True,
        "name": "Error",
        "message": 'Requiring unknown module "WAWebNoSuchModule"',
    }
    assert known == {"threw": False, "type": "object"}
