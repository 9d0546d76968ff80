// Runs the unmodified whatsapp-web.js Client (LocalAuth) and reports what it does, for tests/conformance.
//
//   node driver.js '{"dataPath": "...", "chromium": "/usr/bin/chromium", "args": ["--no-sandbox", ...]}'
//
// stdout: one JSON object a line, {"event", "at" (seconds since the driver started), ...}: the client's events
// (qr, code, authenticated, auth_failure, loading_screen, change_state, ready, disconnected), plus
// "initialize" (just before client.initialize()), "initialized" (it resolved: the library now follows the
// page's navigations, so a scan may come), "result" (the answer to a command) and "error".
// stdin: one JSON command a line, {"id", "cmd", ...}: request_pairing_code {phone_number}, require {name}
// (window.require in the page, caught), state, destroy. The end of stdin destroys the client too.
"use strict";

const readline = require("node:readline");
const { Client, LocalAuth } = require("whatsapp-web.js");

const config = JSON.parse(process.argv[2] || "{}");
const started = performance.now();

function emit(event, data = {}) {
  process.stdout.write(`${JSON.stringify({ event, at: (performance.now() - started) / 1000, ...data })}\n`);
}

const client = new Client({
  authStrategy: new LocalAuth({ dataPath: config.dataPath, clientId: config.clientId }),
  webVersionCache: { type: "none" },
  puppeteer: { executablePath: config.chromium, headless: true, args: config.args || [] },
});

client.on("qr", (qr) => emit("qr", { qr }));
client.on("code", (code) => emit("code", { code }));
client.on("authenticated", () => emit("authenticated"));
client.on("auth_failure", (message) => emit("auth_failure", { message: String(message) }));
client.on("loading_screen", (percent) => emit("loading_screen", { percent }));
client.on("change_state", (state) => emit("change_state", { state }));
client.on("disconnected", (reason) => emit("disconnected", { reason: String(reason) }));
client.on("ready", () => {
  const { wid, pushname, platform } = client.info;
  emit("ready", { info: { wid, pushname, platform } });
});

const REQUIRE_IN_PAGE = (name) => {
  try {
    const module = window.require(name);
    return { threw: false, type: typeof module };
  } catch (error) {
    return { threw: true, isError: error instanceof Error, name: error.name, message: error.message };
  }
};

const commands = {
  request_pairing_code: ({ phone_number }) => client.requestPairingCode(phone_number),
  require: ({ name }) => client.pupPage.evaluate(REQUIRE_IN_PAGE, name),
  state: () => client.getState(),
  destroy: () => stop(0),
};

let stopping = null;
function stop(code) {
  stopping =
    stopping ||
    client
      .destroy()
      .catch((error) => emit("error", { where: "destroy", message: String(error) }))
      .then(() => {
        emit("destroyed");
        process.exit(code);
      });
  return stopping;
}

readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  let request = {};
  try {
    request = JSON.parse(line);
    const command = commands[request.cmd];
    if (!command) throw new Error(`unknown command ${request.cmd}`);
    emit("result", { id: request.id, ok: true, value: (await command(request)) ?? null });
  } catch (error) {
    emit("result", { id: request.id, ok: false, error: String((error && error.message) || error) });
  }
}).on("close", () => stop(0));
process.on("SIGTERM", () => stop(0));
process.on("unhandledRejection", (error) => emit("error", { where: "unhandledRejection", message: String(error) }));

emit("initialize");
client
  .initialize()
  .then(() => emit("initialized"))
  .catch((error) => emit("error", { where: "initialize", message: String(error) }));
