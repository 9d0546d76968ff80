// The "Connect WhatsApp" panel: a modal <dialog> that follows one account from "starting" through its QR
// codes (each rotation, with a countdown) to "Connected: +62 ...", with the pairing-code alternative and a
// clear message for each failure. It gets the account's state through update(); it never polls itself.

import { displayPhone } from "./phone.js";

// After the scan, how long to wait for the phone number before saying that the phone is still syncing
// (the seed's smart timeout). Never "Unknown Number".
export const PHONE_NUMBER_WAIT_MS = 18000;

export const FAILURE_MESSAGES = {
  WORKER_UNAVAILABLE: "No WhatsApp worker is available right now, so no QR code can be shown. Try again in a minute.",
  no_worker: "No WhatsApp worker is available right now, so no QR code can be shown. Try again in a minute.",
  WORKER_UNREACHABLE: "The WhatsApp worker could not be reached, so the session did not start. Try again in a minute.",
  WORKER_LOST: "The WhatsApp worker running this session stopped answering. Reconnect to move it to another worker.",
  USER_LOGOUT: "Logged out from this page.",
  UNPAIRED: "The phone unlinked this device. Connect again to link it.",
  CONNECTION_LOST: "The connection to WhatsApp was lost. The worker is trying to reconnect.",
  STOPPED: "The session was stopped.",
  CANCELLED: "The connection was cancelled before the QR code was scanned.",
  QR_EXPIRED: "The QR code expired before it was scanned. Get a new one when your phone is ready.",
  DUPLICATE_MERGED:
    "This phone number was already connected to this workspace: the new link replaced the old account, which was removed.",
  REPLACED: "A newer link of the same phone number replaced this account.",
  CONFLICT: "WhatsApp was opened on another computer, which took over this session. Reconnect to use it here.",
  LOGOUT: "The phone logged this device out. Connect again to link it.",
  FAILED: "The session failed. Try again.",
  WORKER_DISCONNECTED: "The WhatsApp worker reports this session as disconnected. Reconnect to start it again.",
  WORKER_FAILED: "The WhatsApp worker reports this session as failed. Reconnect to start it again.",
  WORKER_STOPPED: "The WhatsApp worker stopped this session. Reconnect to start it again.",
  PAGE_TIMEOUT: "WhatsApp Web did not load in time. Try again.",
  BROWSER_ERROR: "The browser running this session failed. Try again.",
  CRASH_LOOP: "The session kept crashing, so the worker gave up. Try again later.",
  PHONE_UNAVAILABLE: "The phone did not answer. Check that it is online and try again.",
  PROBE_FAILED: "The worker could not read WhatsApp Web's page. Try again.",
  INTERNAL_ERROR: "The WhatsApp worker hit an internal error. Try again.",
  BROWSER_CRASHED: "The WhatsApp session stopped unexpectedly. Try again.",
  // The session's proxy failed its check before the page opened ({proxy}: the account's proxy, host:port). No QR
  // was shown and the attempt does not count against the workspace's connect limits.
  PROXY_UNREACHABLE: "The proxy {proxy} did not answer. Check it in Settings → Proxy, then Reconnect.",
  PROXY_AUTH_FAILED:
    "The proxy {proxy} refused the username and password. Correct them in Settings → Proxy, then Reconnect.",
  // The same for a linked session (reconnecting): its worker retries it by itself, with no new scan.
  PROXY_UNREACHABLE_RETRYING:
    "The proxy {proxy} did not answer. The session retries by itself and comes back without a new scan once the proxy answers; check it in Settings → Proxy.",
  PROXY_AUTH_FAILED_RETRYING:
    "The proxy {proxy} refused the username and password. The session retries by itself and comes back without a new scan once they are accepted; correct them in Settings → Proxy.",
  PAGE_CHANGED: "WhatsApp Web changed and this connection could not start. No attempt was counted; try again once the notice above is gone.",
  PAGE_CHANGED_RETRYING:
    "WhatsApp Web changed. The session retries by itself and comes back without a new scan once it is fixed.",
};

// After the scan, until the phone number is known (the account is authenticated).
export const LINKING_TEXT = "Scanned - linking your phone";

// The linked phone's history sync (the account's sync_percent; null until the first report).
export function syncProgressText(percent) {
  return percent === null || percent === undefined ? "Starting the history sync…" : `Syncing history: ${percent}%`;
}

// A <progress> showing the sync: indeterminate until the first report.
export function showSyncProgress(bar, text, percent) {
  if (percent === null || percent === undefined) bar.removeAttribute("value");
  else bar.value = percent;
  text.textContent = syncProgressText(percent);
}

// account (optional): names the proxy in a PROXY_* message, and whether its session retries by itself.
export function failureMessage(reason, account = null) {
  const retrying = account?.reconnecting ? FAILURE_MESSAGES[`${reason}_RETRYING`] : undefined;
  const text =
    retrying || FAILURE_MESSAGES[reason] || (reason ? `The connection failed (${reason}). Try again.` : "The connection failed. Try again.");
  return text.replace("{proxy}", account?.proxy || "of this session");
}

// segno's SVG has a fixed width and height: give it a viewBox instead, so that CSS sizes it to the panel.
function scalable(svg) {
  if (!svg) return;
  const width = svg.getAttribute("width");
  const height = svg.getAttribute("height");
  if (width && height && !svg.hasAttribute("viewBox")) svg.setAttribute("viewBox", `0 0 ${parseFloat(width)} ${parseFloat(height)}`);
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
}

export function formatPairingCode(code) {
  const clean = String(code || "").replace(/[^0-9A-Za-z]/g, "").toUpperCase();
  return clean.length === 8 ? `${clean.slice(0, 4)}-${clean.slice(4)}` : clean;
}

// The code as a screen reader should say it: each character apart, the two groups apart ("8 H A 9, 3 V Y 4").
export function spokenCode(grouped) {
  return grouped
    .split("-")
    .map((group) => group.split("").join(" "))
    .join(", ");
}

export class ConnectPanel {
  constructor({ dialog, onNewCode, onPairingCode, onClose, now = () => Date.now() }) {
    this.now = now; // the server's clock as the browser sees it (the QR deadlines are server times)
    this.dialog = dialog;
    this.onNewCode = onNewCode; // async (accountId) => void
    this.onPairingCode = onPairingCode; // async (accountId, phone) => {code}
    this.onClose = onClose; // (accountId) => void, once the dialog has closed
    this.accountId = null;
    this.opener = null;
    this.view = null;
    this.qrKey = null;
    this.qrDeadline = 0;
    this.countdownTimer = null;
    this.syncTimer = null;
    this.status = dialog.querySelector("[data-panel-status]");
    this.qrImage = dialog.querySelector("[data-qr]");
    this.countdown = dialog.querySelector("[data-qr-countdown]");
    this.bind();
  }

  q(selector) {
    return this.dialog.querySelector(selector);
  }

  bind() {
    this.dialog.addEventListener("close", () => this.closed());
    for (const button of this.dialog.querySelectorAll("[data-close]")) {
      button.addEventListener("click", () => this.dialog.close());
    }
    this.q("[data-new-code]").addEventListener("click", () => this.requestNewCode());
    this.q("[data-retry]").addEventListener("click", () => this.requestNewCode());
    this.q("[data-show-pairing]").addEventListener("click", () => this.showPairing());
    this.q("[data-show-qr]").addEventListener("click", () => {
      this.show("qr", "[data-show-pairing]");
      this.setStatus("Scan the QR code with WhatsApp on your phone.");
    });
    this.q("[data-pairing-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitPairing();
    });
  }

  get isOpen() {
    return this.dialog.open;
  }

  open({ opener }) {
    this.opener = opener || document.activeElement;
    this.accountId = null;
    delete this.dialog.dataset.accountId;
    this.qrKey = null;
    this.mergedNote = "";
    this.q("[data-pairing-result]").hidden = true;
    this.show("starting");
    this.setStatus("Preparing your QR code…");
    if (!this.dialog.open) this.dialog.showModal();
    this.q("[data-panel-title]").focus();
  }

  // The account the panel follows (known once the API answered "Connect" or "Reconnect").
  follow(accountId) {
    this.accountId = String(accountId);
    this.dialog.dataset.accountId = this.accountId;
  }

  closed() {
    clearInterval(this.countdownTimer);
    clearTimeout(this.syncTimer);
    this.countdownTimer = null;
    this.syncTimer = null;
    const opener = this.opener;
    const accountId = this.accountId;
    this.accountId = null;
    delete this.dialog.dataset.accountId;
    this.onClose?.(accountId); // the page cancels the attempt if it was not scanned yet
    if (opener && document.contains(opener)) opener.focus();
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  show(view, focusSelector) {
    this.view = view;
    for (const section of this.dialog.querySelectorAll("[data-view]")) {
      section.hidden = section.dataset.view !== view;
    }
    if (focusSelector) this.q(focusSelector)?.focus();
  }

  fail(reason, detail) {
    clearInterval(this.countdownTimer);
    const text = detail || failureMessage(reason);
    if (this.view === "failed" && this.q("[data-failed-text]").textContent === text) return; // a poll repeating it
    this.q("[data-failed-text]").textContent = text;
    this.show("failed", "[data-retry]");
    this.setStatus(text);
  }

  // The followed account linked a phone number that another account of the workspace had (it replaced it).
  noteMerged() {
    this.mergedNote = FAILURE_MESSAGES.DUPLICATE_MERGED;
    this.q("[data-connected-note]").textContent = this.mergedNote;
  }

  update(account) {
    if (!this.dialog.open || !account || String(account.id) !== this.accountId) return;
    const { status } = account;
    if (status === "connected" && account.phone_number) this.showConnected(account);
    else if (status === "authenticated" || status === "connected") this.showSyncing(account);
    else if (status === "qr_scanning" && account.qr && account.qr_svg) this.showQr(account);
    else if (account.status_reason === "QR_EXPIRED") this.showExpired();
    else if (["failed", "disconnected", "logged_out"].includes(status)) this.fail(account.status_reason, failureMessage(account.status_reason, account));
  }

  showQr(account) {
    const key = `${account.qr_count}:${account.qr}`;
    if (key !== this.qrKey) {
      this.qrKey = key;
      this.qrImage.innerHTML = account.qr_svg; // made by the server (segno) from the QR string
      scalable(this.qrImage.querySelector("svg"));
      this.qrImage.dataset.qrCount = String(account.qr_count);
      this.startCountdown(Date.parse(account.qr_expires_at));
      if (this.view !== "pairing") {
        this.setStatus(
          account.qr_count > 1 ? "A new QR code is showing. Scan it with WhatsApp." : "Scan the QR code with WhatsApp on your phone.",
        );
      }
    }
    // The pairing form stays open while codes rotate; the QR view is current when the user goes back.
    if (this.view !== "qr" && this.view !== "pairing") this.show("qr");
  }

  startCountdown(deadline) {
    this.qrDeadline = Number.isFinite(deadline) ? deadline : this.now();
    clearInterval(this.countdownTimer);
    const tick = () => {
      const left = Math.max(0, Math.ceil((this.qrDeadline - this.now()) / 1000));
      const span = left >= 120 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`;
      this.countdown.textContent = left > 0 ? `This code stays valid for ${span}.` : "This code has expired; waiting for a new one…";
    };
    tick();
    this.countdownTimer = setInterval(tick, 1000);
  }

  // "Link with phone number instead": the QR keeps rotating behind it, but the panel speaks of the code only.
  showPairing() {
    this.show("pairing", "[data-pairing-phone]");
    this.setStatus("Link with a phone number: enter the number, then type the code shown here on that phone.");
  }

  showExpired() {
    if (this.view === "expired") return;
    clearInterval(this.countdownTimer);
    this.show("expired", "[data-new-code]");
    this.setStatus(FAILURE_MESSAGES.QR_EXPIRED);
  }

  showSyncing(account) {
    clearInterval(this.countdownTimer);
    showSyncProgress(this.q("[data-sync-bar]"), this.q("[data-sync-text]"), account.sync_percent);
    if (this.view !== "syncing") {
      this.show("syncing");
      this.setStatus("Scanned. Keep WhatsApp open on your phone while it links.");
      this.q("[data-syncing-text]").textContent = LINKING_TEXT;
      clearTimeout(this.syncTimer);
      this.syncTimer = setTimeout(() => {
        const text =
          "Still syncing with your phone. This can take a minute on a slow connection; you may close this panel, " +
          "the account appears in the list as soon as its number is known.";
        this.q("[data-syncing-text]").textContent = text;
        this.setStatus(text);
      }, PHONE_NUMBER_WAIT_MS);
    }
  }

  showConnected(account) {
    const note = this.mergedNote || "";
    clearInterval(this.countdownTimer);
    clearTimeout(this.syncTimer);
    const number = displayPhone(account);
    const text = number ? `Connected: ${number}` : "Connected";
    this.q("[data-connected-text]").textContent = text;
    this.q("[data-connected-note]").textContent = note;
    this.q("[data-connected-primary]").hidden = !(account && account.is_primary);
    const wasConnected = this.view === "connected";
    this.show("connected", wasConnected ? null : "[data-done]");
    if (!wasConnected) this.setStatus(`${text}${account && account.is_primary ? ". It is the primary account." : "."}`);
  }

  async requestNewCode() {
    this.show("starting");
    this.setStatus("Preparing a new QR code…");
    this.qrKey = null;
    try {
      await this.onNewCode(this.accountId);
    } catch (error) {
      this.fail(error.code, error.message);
    }
  }

  async submitPairing() {
    const input = this.q("[data-pairing-phone]");
    const error = this.q("[data-pairing-error]");
    // As the person wrote it: the server reads it (spaces, dashes, brackets, "+") and says what is wrong.
    const number = input.value.trim();
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    if (!/\d/.test(number)) {
      error.textContent = "Enter the phone number with its country code, for example +62 812 3456 7890.";
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    const button = this.q("[data-pairing-submit]");
    button.disabled = true;
    try {
      const { code } = await this.onPairingCode(this.accountId, number);
      const grouped = formatPairingCode(code);
      const box = this.q("[data-pairing-code]");
      // On screen as WhatsApp shows it ("8HA9-3VY4"); to a screen reader one character at a time, so that
      // "8HA9" is not read as a word or a number.
      box.querySelector("[data-pairing-code-text]").textContent = grouped;
      box.querySelector("[data-pairing-code-spoken]").textContent = spokenCode(grouped);
      this.q("[data-pairing-result]").hidden = false;
      this.setStatus("Enter the pairing code below on your phone, under Linked devices.");
      box.focus();
    } catch (failure) {
      error.textContent =
        failure.status === 404 || failure.status === 405
          ? "Linking with a phone number is not available on this server. Scan the QR code instead."
          : failure.message;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    } finally {
      button.disabled = false;
    }
  }
}
