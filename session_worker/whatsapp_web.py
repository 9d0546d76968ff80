"""Everything the worker knows about WhatsApp Web's page, in one place.

The page is probed the way whatsapp-web.js does it on Comet builds (2.3000 and later): wait for
``window.Debug.VERSION``, then take modules with ``window.require(name)`` and listen to their Backbone-style
events. An init script (run on every document, so it survives the page's own reloads) hooks the modules and
reports through one exposed binding, :data:`BINDING`, as ``(kind, data)``:

- ``boot``    ``{"version", "state", "has_synced"}``  the modules are there
- ``state``   ``"<Socket.state>"``                   a change of the socket's state
- ``qr``      ``"<ref,noiseKey,identityKey,advSecret,platform>"``
- ``sync_progress`` ``<0..100>``                      ``Cmd`` emitted ``offline_progress_update_from_bridge``: the
  history sync's progress (``OfflineMessageHandler.getOfflineDeliveryProgress()``), hooked at boot so that
  its first report (0) is seen
- ``synced``  ``null``                               ``Socket.hasSynced`` turned true
- ``logout``  ``null``                               ``Cmd`` emitted ``logout_from_bridge`` (logout from the phone)
- ``probe_error`` ``"<message>"``                    a module is missing or threw

A change of WhatsApp Web is a change of this file.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from shared.events import PHONE_RE

BINDING = "__waWorkerReport"

# Socket states (WAWebSocketModel.Socket.state).
LOGIN_NEEDED_STATES = frozenset({"UNPAIRED", "UNPAIRED_IDLE"})
UNPAIRED_STATE = "UNPAIRED"
PAIRING_STATE = "PAIRING"  # the phone's scan was accepted: the page stores its credentials and reloads itself
QR_LIMIT_STATE = "UNPAIRED_IDLE"
CONNECTED_STATE = "CONNECTED"
CONFLICT_STATE = "CONFLICT"
CONNECTION_LOST_STATES = frozenset({"TIMEOUT", "OPENING", "DISCONNECTED"})  # after CONNECTED: no stream

# QR lifetimes: the first ref lives 60 s, the next ones 20 s each.
FIRST_QR_LIFETIME_S = 60
NEXT_QR_LIFETIME_S = 20

# Users on these servers are phone numbers; "lid" is a privacy id and never a phone number.
PHONE_SERVERS = frozenset({"c.us", "s.whatsapp.net"})


def qr_lifetime_s(qr_count: int) -> int:
    return FIRST_QR_LIFETIME_S if qr_count <= 1 else NEXT_QR_LIFETIME_S


INIT_SCRIPT = (
    r"""
(() => {
  if (window.top !== window) return;               // frames are not the app
  const report = (kind, data) => {
    try { const p = window.__BINDING__(kind, data === undefined ? null : data); if (p && p.catch) p.catch(() => {}); }
    catch (e) { /* the binding is gone: the page is closing */ }
  };
  const need = (name) => window.require(name);
  let lastQr = null;

  async function buildQr(Socket, Conn) {
    const ref = Conn.ref;
    if (!ref || ref === "undefined" || ref === "null") return;       // right after a scan, or not yet there
    if (Socket.state !== "__UNPAIRED__") return;                     // linked or expired: a late ref is not a QR
    const b64 = need("WABase64");
    const reg = await need("WAWebSignalStoreApi").waSignalStore.getRegistrationInfo();
    const noise = await need("WAWebUserPrefsInfoStore").waNoiseInfo.get();
    let adv = null;
    for (const name of ["WAWebUserPrefsMultiDevice", "WAWebAdvSignatureApi"]) {
      let mod = null;
      try { mod = need(name); } catch (e) { continue; }
      if (mod && typeof mod.getADVSecretKey === "function") { adv = await mod.getADVSecretKey(); break; }
    }
    const platform = need("WAWebCompanionRegClientUtils").DEVICE_PLATFORM;
    if (!reg || !noise || !adv) { report("probe_error", "QR keys are not available"); return; }
    if (Conn.ref !== ref) return;                                    // rotated meanwhile; that change reports itself
    const noiseKey = b64.encodeB64(noise.staticKeyPair.pubKey);
    const identityKey = b64.encodeB64(reg.identityKeyPair.pubKey);
    const qr = [ref, noiseKey, identityKey, adv, platform].join(",");
    if (qr !== lastQr) { lastQr = qr; report("qr", qr); }
  }

  function hook() {
    const Socket = need("WAWebSocketModel").Socket;
    const Conn = need("WAWebConnModel").Conn;
    const Cmd = need("WAWebCmd").Cmd;
    const qr = () => buildQr(Socket, Conn).catch((e) => report("probe_error", "QR: " + String(e && e.message || e)));
    Socket.on("change:state", (_model, state) => { report("state", state); if (state === "__UNPAIRED__") qr(); });
    Socket.on("change:hasSynced", (_model, synced) => { if (synced) report("synced"); });
    Conn.on("change:ref", () => qr());
    Cmd.on("logout_from_bridge", () => report("logout"));
    const progress = () => {
      try { report("sync_progress", need("WAWebOfflineHandler").OfflineMessageHandler.getOfflineDeliveryProgress()); }
      catch (e) { report("probe_error", "sync progress: " + String(e && e.message || e)); }
    };
    Cmd.on("offline_progress_update_from_bridge", progress);
    report("boot", { version: String(window.Debug.VERSION), state: Socket.state, has_synced: !!Socket.hasSynced });
    qr();
    if (Socket.hasSynced) report("synced");
    else if (Socket.state === "__CONNECTED__") progress();  // a sync under way before the hook: where it is now
  }

  let tries = 0;
  const timer = setInterval(() => {
    tries += 1;
    if (!(window.Debug && window.Debug.VERSION && typeof window.require === "function")) {
      if (tries === 1200) report("probe_error", "window.Debug.VERSION never appeared");
      return;
    }
    clearInterval(timer);
    try { hook(); } catch (e) { report("probe_error", "hook: " + String(e && e.message || e)); }
  }, 25);
})();
""".replace("__BINDING__", BINDING)
    .replace("__UNPAIRED__", UNPAIRED_STATE)
    .replace("__CONNECTED__", CONNECTED_STATE)
)

# Read once the page has synced. Returns the phone user (never a LID) and Conn's description of the device.
ME_PROBE = r"""
() => {
  const me = window.require("WAWebUserPrefsMeUser").getMaybeMePnUser();
  let info = {};
  try { info = window.require("WAWebConnModel").Conn.serialize() || {}; } catch (e) { info = {}; }
  return {
    user: me ? String(me.user || "") : null,
    server: me ? String(me.server || "") : null,
    pushname: info.pushname == null ? "" : String(info.pushname),
    platform: info.platform == null ? "" : String(info.platform),
  };
}
"""

LOGOUT_SCRIPT = r"""
async () => { await window.require("WAWebSocketModel").Socket.logout(); return true; }
"""

PAIRING_CODE_SCRIPT = r"""
async (phone) => {
  const api = window.require("WAWebAltDeviceLinkingApi");
  api.setPairingType("ALT_DEVICE_LINKING");
  await api.initializeAltDeviceLinking();
  return String(await api.startAltLinkingFlow(phone, false));
}
"""


def parse_sync_progress(raw: Any) -> int | None:
    """The history sync's percent from a ``sync_progress`` report, or None when it is not a number."""
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return None
    return max(0, min(100, int(raw)))


@dataclasses.dataclass(frozen=True)
class Me:
    phone_number: str
    pushname: str
    platform: str


def parse_me(raw: Any) -> Me | None:
    """The linked phone from :data:`ME_PROBE`'s answer, or None while it is not (yet) a phone number."""
    if not isinstance(raw, dict):
        return None
    user, server = raw.get("user"), raw.get("server")
    if not isinstance(user, str) or server not in PHONE_SERVERS or not PHONE_RE.fullmatch(user):
        return None
    return Me(phone_number=user, pushname=str(raw.get("pushname") or ""), platform=str(raw.get("platform") or ""))
