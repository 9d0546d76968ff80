"""Every member that whatsapp-web.js 1.34.7 touches on its way to ``ready`` (and to a pairing code, a logout,
a reconnect) has the real site's shape: a plain value, a synchronous function (its result used as it is) or an
asynchronous one (a Promise, awaited). The table in docs/simulator.md lists the same members."""

import pytest

from tests.simulator.conftest import open_tab

# (member, kind, JavaScript calling it on a page showing a QR, type of its result (awaited if a Promise))
# fmt: off
MEMBERS = [
    ("Debug.VERSION", "value", "window.Debug.VERSION", "string"),
    ("WAWebSocketModel.Socket.state", "value", "r('WAWebSocketModel').Socket.state", "string"),
    ("WAWebSocketModel.Socket.hasSynced", "value", "r('WAWebSocketModel').Socket.hasSynced", "boolean"),
    ("WAWebConnModel.Conn.ref", "value", "r('WAWebConnModel').Conn.ref", "string"),
    ("WAWebCompanionRegClientUtils.DEVICE_PLATFORM", "value", "r('WAWebCompanionRegClientUtils').DEVICE_PLATFORM",
     "string"),
    ("WAWebUserPrefsMultiDevice.getADVSecretKey", "sync", "r('WAWebUserPrefsMultiDevice').getADVSecretKey()",
     "string"),
    ("WAWebAdvSignatureApi.getADVSecretKey", "sync", "r('WAWebAdvSignatureApi').getADVSecretKey()", "string"),
    ("WABase64.encodeB64", "sync", "r('WABase64').encodeB64(new Uint8Array([1, 2, 3]).buffer)", "string"),
    ("WAWebConnModel.Conn.serialize", "sync", "r('WAWebConnModel').Conn.serialize()", "object"),
    ("WAWebOfflineHandler.OfflineMessageHandler.getOfflineDeliveryProgress", "sync",
     "r('WAWebOfflineHandler').OfflineMessageHandler.getOfflineDeliveryProgress()", "number"),
    # null while unlinked; {user, server, _serialized} once linked (test_pairing_flow.py)
    ("WAWebUserPrefsMeUser.getMaybeMePnUser", "sync", "r('WAWebUserPrefsMeUser').getMaybeMePnUser()", "null"),
    ("WAWebUserPrefsMeUser.getMaybeMeLidUser", "sync", "r('WAWebUserPrefsMeUser').getMaybeMeLidUser()", "null"),
    ("WAWebSocketModel.Socket.on", "sync", "r('WAWebSocketModel').Socket.on('change:state', () => {})", "object"),
    ("WAWebSocketModel.Socket.off", "sync", "r('WAWebSocketModel').Socket.off('change:state', () => {})", "object"),
    ("WAWebCmd.Cmd.on", "sync", "r('WAWebCmd').Cmd.on('logout_from_bridge', () => {})", "object"),
    ("WAWebCmd.Cmd.refreshQR", "sync", "r('WAWebCmd').Cmd.refreshQR()", "undefined"),
    ("WAWebLaunchSocketUtils.refreshQR", "sync", "r('WAWebLaunchSocketUtils').refreshQR()", "undefined"),
    ("WAWebSocketModel.Socket.takeover", "sync", "r('WAWebSocketModel').Socket.takeover()", "undefined"),
    ("WAWebSocketModel.Socket.reconnect", "sync", "r('WAWebSocketModel').Socket.reconnect()", "undefined"),
    ("WAWebMiscBrowserUtils.info", "sync", "r('WAWebMiscBrowserUtils').info()", "object"),
    ("WAWebAltDeviceLinkingApi.setPairingType", "sync",
     "r('WAWebAltDeviceLinkingApi').setPairingType('ALT_DEVICE_LINKING')", "undefined"),
    ("WAWebUserPrefsInfoStore.waNoiseInfo.get", "async", "r('WAWebUserPrefsInfoStore').waNoiseInfo.get()", "object"),
    ("WAWebSignalStoreApi.waSignalStore.getRegistrationInfo", "async",
     "r('WAWebSignalStoreApi').waSignalStore.getRegistrationInfo()", "object"),
    ("WAWebAltDeviceLinkingApi.initializeAltDeviceLinking", "async",
     "r('WAWebAltDeviceLinkingApi').initializeAltDeviceLinking()", "undefined"),
    ("WAWebAltDeviceLinkingApi.initializeQRLinking", "async", "r('WAWebAltDeviceLinkingApi').initializeQRLinking()",
     "undefined"),
    ("WAWebAltDeviceLinkingApi.startAltLinkingFlow", "async",
     "r('WAWebAltDeviceLinkingApi').startAltLinkingFlow('5511999990000', true)", "string"),
    ("WAWebSocketModel.Socket.logout", "async", "r('WAWebSocketModel').Socket.logout()", "undefined"),
]
# fmt: on

SHAPE_JS = """
async (expression) => {
  const r = (name) => window.require(name);
  const result = eval(expression);
  const promise = result instanceof Promise;
  const settled = promise ? await result : result;
  return { promise, type: settled === null ? "null" : typeof settled };
}
"""


@pytest.mark.parametrize(("member", "kind", "expression", "result_type"), MEMBERS, ids=[m[0] for m in MEMBERS])
async def test_it_has_the_real_shape(browser, sim, member, kind, expression, result_type):
    tab = await open_tab(browser, sim.url, record=False)
    await tab.page.wait_for_function("window.Debug && window.require('WAWebConnModel').Conn.ref")

    shape = await tab.page.evaluate(SHAPE_JS, expression)

    assert shape == {"promise": kind == "async", "type": result_type}, f"{member} must be {kind}, {result_type}"


async def test_call_collection_has_one_own_map(browser, sim):
    tab = await open_tab(browser, sim.url, record=False)
    await tab.page.wait_for_function("window.Debug && window.Debug.VERSION")

    maps = await tab.page.evaluate(
        "(() => { const c = window.require('WAWebCallCollection');"
        " return [typeof c.on, Object.keys(c).filter((k) => c[k] instanceof Map).length]; })()"
    )
    assert maps == ["function", 1], "whatsapp-web.js hooks the first own Map it finds (the calls by id)"
