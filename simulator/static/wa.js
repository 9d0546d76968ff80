// The simulated WhatsApp Web page: the module surface whatsapp-web.js knows (docs/simulator.md, "Members and
// their shapes") on window.require, driven by one WebSocket to the simulator (/ws), as the real site keeps one
// to its servers. tests/conformance runs the real library against it.
// Settings come from the server (the JSON in #sim-settings), never from the URL.
(() => {
  "use strict";

  const settings = JSON.parse(document.getElementById("sim-settings").textContent);
  const CREDENTIALS_KEY = "WASimulator::credentials";
  const PAGE_ID_KEY = "WASimulator::page_id";
  const IDB_NAME = "wawc";
  const IDB_STORE = "user";
  const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

  // --- Backbone-style events and models: handlers get (model, value) ----------------------------------------

  class Events {
    #handlers = new Map(); // private: whatsapp-web.js looks for a module's own Map among its keys
    on(names, callback, context) {
      for (const name of String(names).split(/\s+/).filter(Boolean)) {
        if (!this.#handlers.has(name)) this.#handlers.set(name, []);
        this.#handlers.get(name).push({ callback, context });
        listened(this, name);
      }
      return this;
    }
    once(names, callback, context) {
      const wrapper = (...args) => {
        this.off(names, wrapper);
        callback.apply(context || this, args);
      };
      return this.on(names, wrapper, context);
    }
    off(names, callback) {
      if (names === undefined) {
        this.#handlers.clear();
        return this;
      }
      for (const name of String(names).split(/\s+/).filter(Boolean)) {
        const kept = (this.#handlers.get(name) || []).filter((h) => callback && h.callback !== callback);
        this.#handlers.set(name, kept);
      }
      return this;
    }
    trigger(name, ...args) {
      for (const handler of [...(this.#handlers.get(name) || [])]) {
        try {
          handler.callback.apply(handler.context || this, args);
        } catch (error) {
          console.error(`handler of ${name} failed`, error);
        }
      }
      return this;
    }
    listenerCount(name) {
      return (this.#handlers.get(name) || []).length;
    }
  }

  class Model extends Events {
    constructor(attributes) {
      super();
      this.attributes = { ...attributes };
      for (const key of Object.keys(attributes)) {
        Object.defineProperty(this, key, {
          get: () => this.attributes[key],
          set: (value) => this.set(key, value),
          enumerable: true,
        });
      }
    }
    get(key) {
      return this.attributes[key];
    }
    set(key, value) {
      if (this.attributes[key] === value) return this;
      this.attributes[key] = value;
      this.trigger(`change:${key}`, this, value);
      this.trigger("change", this);
      return this;
    }
  }

  class Collection extends Events {
    constructor() {
      super();
      this._models = [];
    }
    getModelsArray() {
      return [...this._models];
    }
    get(id) {
      return this._models.find((m) => m.id === id);
    }
    get length() {
      return this._models.length;
    }
  }

  // hasSynced waits for a listener, once CONNECTED (the real site takes seconds to sync; flipping it before
  // anyone can listen makes a client's "ready" race and never come, and whatsapp-web.js only attaches its
  // listener once the state has left OPENING/PAIRING/UNLAUNCHED).
  const listenerWaiters = [];
  function listened(emitter, name) {
    if (emitter === Socket && name === "change:hasSynced") {
      while (listenerWaiters.length) listenerWaiters.shift()();
    }
  }
  function hasSyncedListener() {
    if (Socket.listenerCount("change:hasSynced") > 0) return Promise.resolve();
    return Promise.race([new Promise((resolve) => listenerWaiters.push(resolve)), sleep(settings.sync_gate_timeout)]);
  }

  // --- state ------------------------------------------------------------------------------------------------

  const Socket = new Model({ state: "OPENING", hasSynced: false, stream: "DISCONNECTED" });
  const Conn = new Model({
    ref: null,
    pushname: null,
    platform: null,
    battery: 100,
    plugged: true,
    connected: false,
  });
  const Cmd = new Events();
  const page = {
    id: sessionStorage.getItem(PAGE_ID_KEY),
    credentials: null, // {device_id, secret}, from IndexedDB or localStorage
    keys: null, // {noise, identity, adv_secret} base64, for the QR
    me: null, // {phone_number, lid, pushname, platform} once linked
    synced: false,
    offlineProgress: 0,
    navigating: false,
    reconnecting: false,
    requests: new Map(),
    nextRequestId: 1,
  };
  let ws = null;

  function wid(user, server) {
    return { user, server, _serialized: `${user}@${server}`, toString: () => `${user}@${server}` };
  }

  function b64Encode(buffer) {
    const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
  }
  function b64Decode(text) {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  async function logout() {
    if (page.me) send({ type: "logout" });
  }

  function startAltLinkingFlow(phoneNumber, showNotification) {
    const requestId = page.nextRequestId++;
    return new Promise((resolve, reject) => {
      page.requests.set(requestId, { resolve, reject, showNotification });
      send({ type: "pairing_code", request_id: requestId, phone_number: String(phoneNumber) });
    });
  }

  const CallCollection = new Collection();
  CallCollection._index = new Map(); // the calls by id; whatsapp-web.js hooks the module's one own Map
  const advSecretKey = () => (page.keys ? page.keys.adv_secret : null); // synchronous, as on the real site

  const modules = {
    WAWebSocketModel: { Socket },
    WAWebConnModel: { Conn },
    WAWebCmd: { Cmd },
    WAWebOfflineHandler: {
      OfflineMessageHandler: { getOfflineDeliveryProgress: () => page.offlineProgress },
    },
    WAWebAltDeviceLinkingApi: {
      setPairingType: (type) => {
        page.pairingType = type;
      },
      initializeAltDeviceLinking: async () => undefined,
      initializeQRLinking: async () => {
        page.pairingType = "QR";
      },
      startAltLinkingFlow,
    },
    WAWebLaunchSocketUtils: { refreshQR: () => Cmd.refreshQR() },
    WAWebMiscBrowserUtils: {
      info: () => ({ name: "Chrome", os: navigator.platform || "Linux", ua: navigator.userAgent }),
    },
    WABase64: { encodeB64: b64Encode, decodeB64: b64Decode },
    WAWebCompanionRegClientUtils: { DEVICE_PLATFORM: "1" },
    WAWebAdvSignatureApi: { getADVSecretKey: advSecretKey },
    WAWebUserPrefsMultiDevice: { getADVSecretKey: advSecretKey },
    WAWebUserPrefsInfoStore: {
      waNoiseInfo: {
        get: async () =>
          page.keys ? { staticKeyPair: { pubKey: b64Decode(page.keys.noise), privKey: new ArrayBuffer(32) } } : null,
      },
    },
    WAWebSignalStoreApi: {
      waSignalStore: {
        getRegistrationInfo: async () =>
          page.keys ? { identityKeyPair: { pubKey: b64Decode(page.keys.identity) }, registrationId: 1 } : null,
      },
    },
    WAWebUserPrefsMeUser: {
      getMaybeMePnUser: () => (page.me && page.synced ? wid(page.me.phone_number, "c.us") : null),
      getMaybeMeLidUser: () => (page.me ? wid(page.me.lid, "lid") : null),
      getMeUser: () => {
        if (!page.me) throw new Error("no me user: not logged in");
        return page.synced ? wid(page.me.phone_number, "c.us") : wid(page.me.lid, "lid");
      },
    },
    WAWebCollections: { Msg: new Collection(), Chat: new Collection(), Contact: new Collection() },
    WAWebSyncGatingUtils: { isSyncdGatingEnabled: () => false },
    WAWebCallCollection: Object.assign(CallCollection, { CallCollection }),
  };

  // The build's layout (settings.layout, injected with the build's version by the server; simulator/builds.py):
  // modules renamed, then members that became native async functions (named by the build's module names).
  // Only this page's HTML decides it, so an HTML saved from one build keeps running that build.
  const layout = settings.layout || { renamed_modules: {}, async_members: [] };
  for (const [todays, renamed] of Object.entries(layout.renamed_modules)) {
    modules[renamed] = modules[todays];
    delete modules[todays];
  }
  for (const path of layout.async_members) {
    const [name, member] = path.split(".");
    const sync = modules[name][member];
    modules[name][member] = async function (...args) {
      return sync.apply(this, args);
    };
  }

  Conn.serialize = () => ({
    ref: Conn.ref,
    pushname: Conn.pushname,
    platform: Conn.platform,
    battery: Conn.battery,
    plugged: Conn.plugged,
    connected: Conn.connected,
    phone: page.me
      ? { wa_version: "2.25.1.1", os_version: "14", device_manufacturer: "Simulator", device_model: Conn.platform }
      : null,
  });
  Socket.takeover = () => send({ type: "takeover" });
  Socket.logout = logout;
  Socket.reconnect = () => {
    // a fresh connection to the server (whatsapp-web.js's resetState()): OPENING, then CONNECTED again
    page.reconnecting = true;
    if (ws) ws.close();
  };
  Cmd.refreshQR = () => send({ type: "refresh_qr" });
  Cmd.logout = logout;

  // --- credentials: localStorage and IndexedDB --------------------------------------------------------------

  function idb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(IDB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(IDB_STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function idbDo(mode, action) {
    const db = await idb();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(IDB_STORE, mode);
        const request = action(tx.objectStore(IDB_STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }
  async function loadCredentials() {
    try {
      const stored = await idbDo("readonly", (store) => store.get(CREDENTIALS_KEY));
      if (stored && stored.device_id) return stored;
    } catch (error) {
      console.warn("IndexedDB unavailable", error);
    }
    try {
      const stored = JSON.parse(localStorage.getItem(CREDENTIALS_KEY) || "null");
      if (stored && stored.device_id) return stored;
    } catch (error) {
      console.warn("bad credentials in localStorage", error);
    }
    return null;
  }
  async function saveCredentials(credentials) {
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify(credentials));
    await idbDo("readwrite", (store) => store.put(credentials, CREDENTIALS_KEY));
  }
  async function clearCredentials() {
    localStorage.removeItem(CREDENTIALS_KEY);
    try {
      await idbDo("readwrite", (store) => store.delete(CREDENTIALS_KEY));
    } catch (error) {
      console.warn("IndexedDB unavailable", error);
    }
  }

  // --- the screen -------------------------------------------------------------------------------------------

  const app = document.getElementById("app");
  function show(html) {
    app.innerHTML = html;
  }
  function qrCanvas() {
    let box = app.querySelector("div[data-ref]");
    if (!box) {
      show(`<div class="landing"><div><h2>Use WhatsApp on your computer</h2><ol>
        <li>Open WhatsApp on your phone</li><li>Tap Menu or Settings and select Linked devices</li>
        <li>Tap on Link a device</li><li>Point your phone to this screen to capture the QR code</li></ol>
        <p class="muted" id="qr-count"></p></div>
        <div data-ref=""><canvas width="264" height="264" aria-label="Scan this QR code to link a device!"></canvas></div></div>`);
      box = app.querySelector("div[data-ref]");
    }
    return box;
  }
  function drawQr(qr, qrCount) {
    const box = qrCanvas();
    const oldButton = box.querySelector("span");
    if (oldButton) oldButton.remove();
    box.setAttribute("data-ref", qr);
    app.querySelector("#qr-count").textContent = `QR code ${qrCount} of ${settings.qr_count || 6}`;
    const canvas = box.querySelector("canvas");
    const image = new Image();
    image.onload = () => {
      if (box.getAttribute("data-ref") !== qr) return;
      const context = canvas.getContext("2d");
      context.imageSmoothingEnabled = false;
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
    };
    image.src = `/qr.svg?data=${encodeURIComponent(qr)}`;
  }
  function showIdle() {
    const box = qrCanvas();
    box.setAttribute("data-ref", "");
    const canvas = box.querySelector("canvas");
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    if (!box.querySelector("span > button")) {
      const span = document.createElement("span");
      span.innerHTML = "<button type='button'>Click to reload QR code</button>";
      span.querySelector("button").addEventListener("click", () => Cmd.refreshQR());
      box.appendChild(span);
    }
  }
  function showProgress(title, percent) {
    show(`<h2>${title}</h2><progress value="${percent}" max="100"></progress>
      <div class="muted">${percent}%</div>`);
  }
  function showMain() {
    const me = page.me;
    show(`<div data-asset-intro-image-light="true"><h2>WhatsApp Web</h2>
      <p>Connected as <b id="me-pushname"></b> (+<span id="me-phone"></span>).</p>
      <p class="muted">Send and receive messages without keeping your phone online.</p></div>`);
    app.querySelector("#me-pushname").textContent = me.pushname;
    app.querySelector("#me-phone").textContent = me.phone_number;
  }
  function showConflict() {
    show(`<h2>WhatsApp is open in another window</h2><p>Click "Use here" to use WhatsApp in this window.</p>
      <button type="button" id="use-here">Use here</button>`);
    app.querySelector("#use-here").addEventListener("click", () => Socket.takeover());
  }
  function showPairingCode(code) {
    show(`<h2>Enter code on phone</h2><div class="link-code" data-link-code="${code}">${code.slice(0, 4)}-${code.slice(
      4,
    )}</div>
      <p class="muted">Linking WhatsApp account. Tap Link with phone number instead on your phone.</p>`);
  }

  // --- the connection ---------------------------------------------------------------------------------------

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function connect() {
    if (page.navigating) return;
    if (Socket.state !== "OPENING") Socket.set("state", "OPENING");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/ws`);
    ws.onopen = () => {
      Socket.set("stream", "CONNECTED");
      send({ type: "hello", page_id: page.id, credentials: page.credentials });
    };
    ws.onmessage = (event) => handle(JSON.parse(event.data));
    ws.onclose = () => {
      ws = null;
      Socket.set("stream", "DISCONNECTED");
      Conn.set("connected", false);
      if (page.navigating) return;
      if (page.reconnecting) {
        page.reconnecting = false;
        connect();
        return;
      }
      Socket.set("state", "TIMEOUT");
      setTimeout(connect, settings.reconnect_interval * 1000);
    };
  }

  async function handle(message) {
    switch (message.type) {
      case "welcome":
        page.id = message.page_id;
        page.keys = message.keys; // the profile's keys exist before any QR, as on the real site
        sessionStorage.setItem(PAGE_ID_KEY, page.id);
        break;
      case "qr": {
        if (page.credentials) break; // once linked, Conn.ref never changes again
        const qr = [message.ref, page.keys.noise, page.keys.identity, page.keys.adv_secret, "1"].join(",");
        drawQr(qr, message.qr_count);
        if (Socket.state !== "UNPAIRED") Socket.set("state", "UNPAIRED");
        Conn.set("ref", message.ref);
        break;
      }
      case "idle":
        showIdle();
        Socket.set("state", "UNPAIRED_IDLE");
        break;
      case "unpaired":
        page.credentials = null; // before the QR that follows
        await clearCredentials();
        if (page.me) await leave("logout_from_bridge");
        break;
      case "pairing_code": {
        const request = page.requests.get(message.request_id);
        page.requests.delete(message.request_id);
        if (message.error) {
          if (request) request.reject(new Error(message.error));
          break;
        }
        showPairingCode(message.code);
        if (request) request.resolve(message.code);
        break;
      }
      case "paired":
        page.me = message.me;
        page.credentials = { device_id: message.device_id, secret: message.secret };
        Socket.set("state", "PAIRING");
        show(`<h2>Logging in…</h2><p class="muted">Keep your phone connected.</p>`);
        await saveCredentials(page.credentials);
        await sleep(settings.pairing_delay);
        page.navigating = true;
        location.reload();
        break;
      case "restore":
        await restore(message);
        break;
      case "conflict":
        Socket.set("state", "CONFLICT");
        showConflict();
        break;
      case "connected":
        Socket.set("state", "CONNECTED");
        Conn.set("connected", true);
        showMain();
        break;
      case "logout":
        await leave(message.source === "phone" ? "logout_from_bridge" : "logout");
        break;
      case "reload":
        // a new build ships: reload onto it, keeping the URL (and the page id and credentials in storage)
        page.navigating = true;
        location.reload();
        break;
      default:
        console.warn("unknown message", message);
    }
  }

  // The real order: CONNECTED, then the history sync (progress 0 -> 100), then hasSynced. A page back after a
  // cut connection is CONNECTED again without a new sync. The test-only setting connected_after_sync gives the
  // old, wrong order instead (CONNECTED only after hasSynced), for clients that must work with either.
  async function restore(message) {
    page.me = message.me;
    Conn.set("pushname", page.me.pushname);
    Conn.set("platform", page.me.platform);
    const connected = () => {
      Socket.set("state", "CONNECTED");
      Conn.set("connected", true);
    };
    if (page.synced || !settings.connected_after_sync) connected();
    if (page.synced) {
      showMain();
      return;
    }
    const steps = 4;
    for (let step = 0; step <= steps; step++) {
      page.offlineProgress = Math.round((100 * step) / steps);
      showProgress("Loading your chats", page.offlineProgress);
      Cmd.trigger("offline_progress_update_from_bridge");
      if (step < steps) await sleep(message.sync_delay / steps);
    }
    await hasSyncedListener();
    page.synced = true;
    Socket.set("hasSynced", true);
    if (settings.connected_after_sync) connected();
    showMain();
  }

  async function leave(eventName) {
    page.navigating = true;
    Cmd.trigger(eventName);
    await clearCredentials();
    location.assign("/?post_logout=1");
  }

  async function boot() {
    await sleep(settings.boot_delay);
    page.credentials = await loadCredentials();
    window.require = (name) => {
      if (!Object.hasOwn(modules, name)) throw new Error(`Requiring unknown module "${name}"`);
      return modules[name];
    };
    window.Debug = { VERSION: settings.version };
    window.__simulator = { page, settings };
    showProgress(page.credentials ? "Loading your chats" : "Loading", 0);
    connect();
  }

  boot();
})();
