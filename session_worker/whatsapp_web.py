"""Everything the worker knows about WhatsApp Web's page, in one place.

The page is probed the way whatsapp-web.js does it on Comet builds (2.3000 and later): wait for
``window.Debug.VERSION``, then take modules with ``window.require(name)`` and listen to their Backbone-style
events. An init script (run on every document, so it survives the page's own reloads) hooks the modules and
reports through one exposed binding, :data:`BINDING`, as ``(kind, data)``:

- ``boot``    ``{"version", "state", "has_synced", "changes"}``  ``window.Debug.VERSION`` appeared; ``changes``
  lists every member of :data:`SURFACE` the page lacks or has in another shape (empty: the modules are there,
  hooked). With changes the script hooks nothing (it would throw): the page is not the one this file knows.
- ``state``   ``"<Socket.state>"``                   a change of the socket's state
- ``qr``      ``"<ref,noiseKey,identityKey,advSecret,platform>"``
- ``sync_progress`` ``<0..100>``                      ``Cmd`` emitted ``offline_progress_update_from_bridge``: the
  history sync's progress (``OfflineMessageHandler.getOfflineDeliveryProgress()``), hooked at boot so that
  its first report (0) is seen
- ``synced``  ``null``                               ``Socket.hasSynced`` turned true
- ``logout``  ``null``                               ``Cmd`` emitted ``logout_from_bridge`` (logout from the phone)
- ``probe_error`` ``"<message>"``                    a module is missing or threw

A change of WhatsApp Web is a change of this file.

The surface check (:data:`SURFACE`, run by the init script right after ``window.Debug.VERSION`` appears, before
hooking): each row is a module, a member path in it and the shape the worker's scripts expect, the table of
docs/simulator.md "Members and their shapes" reduced to what this file uses. Shapes (shared/payloads.py
``SHAPES``): ``value`` (present, not a function: a model's attribute may still be null at boot), ``object``,
``function`` (any: its result is awaited, so sync or async both do), ``sync function`` (a function that is not a
native ``AsyncFunction``: bundled code may hide an async one, so only a native one fails it), ``async function``
(any function: a plain one may return a promise). What a check finds instead: the shape it found, ``missing``
(not there), ``missing module`` (``require`` threw or gave nothing), ``threw`` (reading the member threw). All the
rows are checked at once and every mismatch is reported. ``getADVSecretKey`` is checked on its primary module,
``WAWebUserPrefsMultiDevice`` (whatsapp-web.js reads it there, synchronously), though the QR still falls back to
``WAWebAdvSignatureApi``: a page whose primary one changed is a changed page.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from shared.events import PHONE_RE
from shared.payloads import BUILD_RE, MAX_CHANGES

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


@dataclasses.dataclass(frozen=True)
class Member:
    """A member of the page the worker uses: ``module``'s ``path`` (dotted), expected to be of ``shape``."""

    module: str
    path: str
    shape: str


SURFACE: tuple[Member, ...] = (
    Member("WAWebSocketModel", "Socket.state", "value"),
    Member("WAWebSocketModel", "Socket.hasSynced", "value"),
    Member("WAWebSocketModel", "Socket.on", "sync function"),
    Member("WAWebSocketModel", "Socket.logout", "function"),
    Member("WAWebConnModel", "Conn.ref", "value"),
    Member("WAWebConnModel", "Conn.on", "sync function"),
    Member("WAWebConnModel", "Conn.serialize", "sync function"),
    Member("WAWebCmd", "Cmd.on", "sync function"),
    Member("WAWebOfflineHandler", "OfflineMessageHandler.getOfflineDeliveryProgress", "sync function"),
    Member("WABase64", "encodeB64", "sync function"),
    Member("WAWebSignalStoreApi", "waSignalStore.getRegistrationInfo", "function"),
    Member("WAWebUserPrefsInfoStore", "waNoiseInfo.get", "function"),
    Member("WAWebUserPrefsMultiDevice", "getADVSecretKey", "sync function"),  # the QR falls back to AdvSignatureApi
    Member("WAWebCompanionRegClientUtils", "DEVICE_PLATFORM", "value"),
    Member("WAWebUserPrefsMeUser", "getMaybeMePnUser", "sync function"),
    Member("WAWebAltDeviceLinkingApi", "setPairingType", "sync function"),
    Member("WAWebAltDeviceLinkingApi", "initializeAltDeviceLinking", "function"),
    Member("WAWebAltDeviceLinkingApi", "startAltLinkingFlow", "function"),
)

# (surface) => [{module, member, expected, found}]: every row of SURFACE the page lacks or has in another shape.
SURFACE_CHECK = r"""
(surface) => {
  const shapeOf = (x) => typeof x === "function"
    ? (x.constructor && x.constructor.name === "AsyncFunction" ? "async function" : "sync function")
    : (typeof x === "object" && x !== null ? "object" : "value");
  const fits = (expected, x) => {
    if (expected === "value") return typeof x !== "function";
    if (expected === "object") return typeof x === "object" && x !== null;
    if (expected === "sync function") return typeof x === "function" && shapeOf(x) === "sync function";
    return typeof x === "function";                                   // "function", "async function"
  };
  const find = (module, path, expected) => {
    let holder;
    try { holder = window.require(module); } catch (e) { return "missing module"; }
    if (holder === undefined || holder === null) return "missing module";
    const keys = path.split(".");
    try {
      for (let i = 0; i < keys.length; i++) {
        const last = i === keys.length - 1;
        if (holder === undefined || holder === null || !(keys[i] in Object(holder))) return "missing";
        holder = holder[keys[i]];
        if (last) return fits(expected, holder) ? null : shapeOf(holder);
      }
    } catch (e) { return "threw"; }
    return null;
  };
  const changes = [];
  for (const [module, member, expected] of surface) {
    const found = find(module, member, expected);
    if (found !== null) changes.push({ module, member, expected, found });
  }
  return changes;
}
"""


def surface_json() -> str:
    """:data:`SURFACE` as the page's check reads it."""
    return json.dumps([[m.module, m.path, m.shape] for m in SURFACE])


@dataclasses.dataclass(frozen=True)
class Boot:
    """A ``boot`` report: the page's build and, when its surface is not the one expected, what changed."""

    build: str
    state: str
    changes: tuple[dict[str, str], ...]


def parse_boot(raw: Any) -> Boot:
    """A ``boot`` report, bounded and shaped as the events carry it (an odd build reads ``unknown``)."""
    data = raw if isinstance(raw, dict) else {}
    build = str(data.get("version") or "")
    changes = []
    for change in data.get("changes") or []:
        if isinstance(change, dict) and len(changes) < MAX_CHANGES:
            row = {key: str(change.get(key) or "") for key in ("module", "member", "expected", "found")}
            changes.append(row)
    return Boot(build if BUILD_RE.fullmatch(build) else "unknown", str(data.get("state") or ""), tuple(changes))


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
    report("boot", { version: String(window.Debug.VERSION), state: Socket.state, has_synced: !!Socket.hasSynced,
                    changes: [] });
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
    let changes = [];
    try { changes = (__CHECK__)(__SURFACE__); }
    catch (e) { report("probe_error", "surface check: " + String(e && e.message || e)); return; }
    if (changes.length) {
      let state = null;
      try { state = String(need("WAWebSocketModel").Socket.state); } catch (e) { state = null; }
      report("boot", { version: String(window.Debug.VERSION), state: state, has_synced: false, changes: changes });
      return;                                        // hooking a page that is not the one known would throw
    }
    try { hook(); } catch (e) { report("probe_error", "hook: " + String(e && e.message || e)); }
  }, 25);
})();
""".replace("__BINDING__", BINDING)
    .replace("__CHECK__", SURFACE_CHECK.strip())
    .replace("__SURFACE__", surface_json())
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
