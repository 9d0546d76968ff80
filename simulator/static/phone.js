// The phone's small page: the same JSON API as the tests use, with buttons.
(() => {
  "use strict";
  const $ = (selector) => document.querySelector(selector);

  function say(text, isError) {
    $("#message").textContent = text;
    $("#message").className = isError ? "error" : "";
  }

  async function call(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
    return data;
  }

  function identity() {
    return { phone_number: $("#phone_number").value.trim(), pushname: $("#pushname").value, platform: $("#platform").value };
  }

  function cell(row, text, isCode) {
    const td = row.insertCell();
    if (isCode) {
      const code = document.createElement("code");
      code.textContent = text;
      td.appendChild(code);
    } else {
      td.textContent = text;
    }
    return td;
  }

  function button(td, label, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", action);
    td.appendChild(b);
  }

  async function act(what, promise) {
    try {
      const answer = await promise;
      say(`${what}: ok${answer.device_id ? ` (${answer.device_id})` : ""}`, false);
    } catch (error) {
      say(`${what}: ${error.message}`, true);
    }
    await refresh();
  }

  // "12 s ago", "3 min 5 s ago": how long the code has been on screen (the simulator's clock).
  function age(seconds) {
    const s = Math.floor(seconds);
    return s < 60 ? `${s} s ago` : `${Math.floor(s / 60)} min ${s % 60} s ago`;
  }

  // One row per QR code on screen, in the simulator's order (the oldest page first: the one a settings page
  // shows; docs/simulator.md): the code as a picture (to match by eye with the computer's), its page, its age,
  // its rotation number, and "Scan". The first row says it is the likely one. Pictures are kept across refreshes.
  function showQrs(qrs) {
    const qrRows = $("#qrs");
    const pictures = new Map([...qrRows.querySelectorAll("img.qr")].map((img) => [img.dataset.qr, img]));
    qrRows.replaceChildren();
    for (const [index, qr] of qrs.entries()) {
      const row = qrRows.insertRow();
      if (index === 0) row.className = "likely";
      row.dataset.pageId = qr.page_id;
      let img = pictures.get(qr.qr);
      if (!img) {
        img = document.createElement("img");
        img.className = "qr";
        img.dataset.qr = qr.qr;
        img.src = `/qr.svg?data=${encodeURIComponent(qr.qr)}`;
        img.alt = `QR code of page ${qr.page_id}, number ${qr.qr_count}`;
      }
      row.insertCell().appendChild(img);
      const pageCell = cell(row, qr.page_id, true);
      pageCell.className = "page-id";
      if (index === 0) pageCell.append(" ", Object.assign(document.createElement("strong"), { textContent: "on your settings page" }));
      cell(row, age(qr.age_s)).className = "age";
      cell(row, String(qr.qr_count));
      button(row.insertCell(), "Scan", () => act("Scan", call("POST", "/phone/api/scan", { qr: qr.qr, ...identity() })));
    }
    $("#no-qrs").hidden = qrs.length > 0;
  }

  // The WhatsApp Web build served now (docs/simulator.md, "Builds"); switching it reloads every connected page.
  function showBuild({ build, builds }) {
    const select = $("#build");
    if (select.options.length !== builds.length) {
      select.replaceChildren(...builds.map((b) => new Option(b.build, b.build)));
    }
    if (document.activeElement !== select) select.value = build;
    $("#build-description").textContent = `serving ${build}: ${(builds.find((b) => b.build === build) || {}).description || ""}`;
  }

  async function refresh() {
    const [{ qrs }, { devices }, builds] = await Promise.all([
      call("GET", "/phone/api/qrs"),
      call("GET", "/phone/api/devices"),
      call("GET", "/phone/api/build"),
    ]);
    showBuild(builds);
    showQrs(qrs);
    const deviceRows = $("#devices");
    deviceRows.replaceChildren();
    for (const device of devices) {
      const row = deviceRows.insertRow();
      row.dataset.deviceId = device.device_id;
      cell(row, `${device.device_id} (${device.pushname}, ${device.platform})`);
      cell(row, `+${device.phone_number}`);
      const state = device.logged_out ? "logged out" : device.dropped ? "dropped" : device.connected ? "connected" : "offline";
      cell(row, state);
      const actions = row.insertCell();
      if (!device.logged_out) {
        for (const action of ["logout", "conflict", "drop", "restore"]) {
          button(actions, action, () => act(action, call("POST", `/phone/api/devices/${device.device_id}/${action}`)));
        }
      }
    }
  }

  $("#build-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("Switch build", call("POST", "/phone/api/build", { build: $("#build").value }));
  });

  $("#code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("Link with code", call("POST", "/phone/api/link-with-code", { code: $("#code").value, ...identity() }));
  });

  refresh();
  setInterval(() => refresh().catch((error) => say(error.message, true)), 1000);
})();
