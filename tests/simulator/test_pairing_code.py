"""WAWebAltDeviceLinkingApi gives an 8-character code that the phone enters to link the page."""

import pytest

from simulator.codes import PAIRING_CODE_ALPHABET
from simulator.testing import PhoneError, running_simulator
from tests.simulator.conftest import open_tab

REQUEST_CODE_JS = """
async (phone) => {
  const api = window.require("WAWebAltDeviceLinkingApi");
  api.setPairingType("ALT_DEVICE_LINKING");
  await api.initializeAltDeviceLinking();
  return await api.startAltLinkingFlow(phone, true);
}
"""


async def request_code(tab, phone_number):
    await tab.recorder.wait_for("ref")
    return await tab.page.evaluate(REQUEST_CODE_JS, phone_number)


async def test_code_links_the_page(browser, sim):
    tab = await open_tab(browser, sim.url)
    code = await request_code(tab, "5511977776666")

    shown = await tab.page.get_attribute("[data-link-code]", "data-link-code")
    assert await sim.qrs() == [], "the QR leaves the screen while a code is shown"
    device = await sim.link_with_code(f"{code[:4].lower()}-{code[4:]}", phone_number="5511977776666")
    synced = await tab.recorder.wait_for("hasSynced", True)
    await tab.recorder.wait_for("state", "CONNECTED")

    assert len(code) == 8 and set(code) <= set(PAIRING_CODE_ALPHABET)
    assert shown == code
    assert device["phone_number"] == "5511977776666"
    assert synced.data["pn"] == "5511977776666@c.us"


async def test_code_entered_on_another_number_is_refused(browser, sim):
    tab = await open_tab(browser, sim.url)
    code = await request_code(tab, "5511977776666")

    with pytest.raises(PhoneError) as error:
        await sim.link_with_code(code, phone_number="5511900000000")

    assert error.value.status == 400
    assert "another phone number" in error.value.message


async def test_used_and_unknown_codes_are_refused(browser, sim):
    tab = await open_tab(browser, sim.url)
    code = await request_code(tab, "5511977776666")
    await sim.link_with_code(code, phone_number="5511977776666")

    with pytest.raises(PhoneError) as used:
        await sim.link_with_code(code, phone_number="5511977776666")
    with pytest.raises(PhoneError) as unknown:
        await sim.link_with_code("ABCD1234", phone_number="5511977776666")

    assert used.value.status == 409
    assert unknown.value.status == 404


async def test_bad_phone_number_rejects_the_request(browser, sim):
    tab = await open_tab(browser, sim.url)
    with pytest.raises(Exception, match="phone_number must be digits"):
        await request_code(tab, "not a number")


async def test_expired_code_is_410(browser):
    async with running_simulator("instant", pairing_code_lifetime=0.2) as sim:
        tab = await open_tab(browser, sim.url)
        code = await request_code(tab, "5511977776666")
        await tab.page.wait_for_timeout(300)
        with pytest.raises(PhoneError) as error:
            await sim.link_with_code(code, phone_number="5511977776666")
    assert error.value.status == 410
