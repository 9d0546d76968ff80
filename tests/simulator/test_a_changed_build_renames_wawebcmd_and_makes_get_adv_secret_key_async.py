"""The catalogue's changed build (2.3000.1031000000) differs from today's in exactly two places, seen in a real
page: ``WAWebCmd`` is renamed ``WAWebCommandBus`` (``require("WAWebCmd")`` throws as for any unknown module), and
``WAWebUserPrefsMultiDevice.getADVSecretKey`` is a native async function. Today's build (the default) has neither
change. An unknown build is refused at start."""

import pytest

from simulator.__main__ import parse_args
from simulator.builds import BUILDS, DEFAULT_BUILD
from simulator.config import make_config
from simulator.testing import running_simulator
from tests.simulator.conftest import open_tab

CHANGED = "2.3000.1031000000"

LAYOUT_JS = """
async () => {
  const r = (name) => window.require(name);
  const has = (name) => { try { return !!r(name); } catch (e) { return e.message; } };
  const adv = r("WAWebUserPrefsMultiDevice").getADVSecretKey;
  const advResult = adv();
  const cmdModule = has("WAWebCmd") === true ? "WAWebCmd" : "WAWebCommandBus";
  return {
    version: window.Debug.VERSION,
    cmd: has("WAWebCmd"),
    bus: has("WAWebCommandBus"),
    refresh_qr: typeof r(cmdModule).Cmd.refreshQR,
    adv_kind: adv.constructor.name,
    adv_is_promise: advResult instanceof Promise,
    adv_same_key: (await advResult) === r("WAWebAdvSignatureApi").getADVSecretKey(),
    adv_signature_kind: r("WAWebAdvSignatureApi").getADVSecretKey.constructor.name,
    socket: has("WAWebSocketModel"),
  };
}
"""


async def layout_of(browser, version):
    async with running_simulator("instant", version=version) as sim:
        tab = await open_tab(browser, sim.url, record=False)
        await tab.page.wait_for_function("window.__simulator && window.__simulator.page.keys")
        return await tab.page.evaluate(LAYOUT_JS)


async def test_the_changed_build_lacks_wawebcmd_and_has_an_async_get_adv_secret_key(browser):
    assert await layout_of(browser, CHANGED) == {
        "version": CHANGED,
        "cmd": 'Requiring unknown module "WAWebCmd"',
        "bus": True,
        "refresh_qr": "function",
        "adv_kind": "AsyncFunction",
        "adv_is_promise": True,
        "adv_same_key": True,
        "adv_signature_kind": "Function",
        "socket": True,
    }


async def test_the_default_build_is_todays_page(browser):
    assert make_config().version == DEFAULT_BUILD == "2.3000.1030000000"
    assert await layout_of(browser, None) == {
        "version": DEFAULT_BUILD,
        "cmd": True,
        "bus": 'Requiring unknown module "WAWebCommandBus"',
        "refresh_qr": "function",
        "adv_kind": "Function",
        "adv_is_promise": False,
        "adv_same_key": True,
        "adv_signature_kind": "Function",
        "socket": True,
    }


def test_every_build_has_a_one_line_description():
    assert set(BUILDS) == {DEFAULT_BUILD, CHANGED}
    assert all(b.description and "\n" not in b.description for b in BUILDS.values())


async def test_an_unknown_build_is_refused_at_start(capsys):
    with pytest.raises(ValueError, match=r"unknown WhatsApp Web build '2\.9'; choose one of 2\.3000\.1030000000"):
        async with running_simulator("instant", version="2.9"):
            pass
    with pytest.raises(SystemExit):
        parse_args(["--version", "2.9"])
    assert "invalid choice: '2.9'" in capsys.readouterr().err
    assert make_config(**parse_args(["--version", CHANGED])[1]).version == CHANGED
