// The settings page /settings/whatsapp-accounts: the account list kept live, the actions, the panel.
// The server renders the first paint; this module takes over from the same data (the page-config JSON).

import { Announcer } from "./announcer.js";
import { ApiClient } from "./api.js";
import { LiveUpdates } from "./live.js";
import { ProxySettings } from "./proxy_settings.js";
import { displayPhone } from "./phone.js";
import { ConnectPanel, FAILURE_MESSAGES, LINKING_TEXT, failureMessage, showSyncProgress } from "./qr_panel.js";
import { IncidentBanner } from "./incident_banner.js";
import { renderTimeline } from "./timeline.js";

const STATUS_LABELS = {
  qr_scanning: "Waiting for scan",
  authenticated: "Syncing",
  connected: "Connected",
  disconnected: "Disconnected",
  failed: "Failed",
  logged_out: "Logged out",
};

// Statuses in which the session is not running: they have a reason to show, and can be reconnected.
const STOPPED_STATUSES = ["disconnected", "failed", "logged_out"];

// A session coming back by itself from its kept login (its worker restarted or was lost, its page or connection
// dropped): it says so, not "Disconnected" or "Syncing", and asks for nothing (no QR, no Reconnect).
export const RECONNECTING_TEXT = "Reconnecting…";

export function statusLabel(account) {
  return account.reconnecting ? RECONNECTING_TEXT : STATUS_LABELS[account.status] || account.status;
}

// A removal and a new link of the same number this close together are one merge of duplicates.
const MERGE_WINDOW_MS = 60000;

// Answers can cross: a poll sent before a broadcast may arrive after it. An account state older than the
// one the page has (its updated_at) is ignored, so that the page never goes back in time.
export function isStale(incoming, known) {
  if (!known || !incoming.updated_at || !known.updated_at) return false;
  return Date.parse(incoming.updated_at) < Date.parse(known.updated_at);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : timeFormat.format(date);
}

// What stands where the phone number goes before it is known: never "Unknown Number".
export function accountTitle(account) {
  if (account.phone_number) return displayPhone(account);
  if (account.status === "qr_scanning") return "New account: waiting for the QR scan";
  if (account.status === "authenticated") return LINKING_TEXT;
  if (account.status === "connected") return "New account: syncing with the phone";
  return "Account not linked";
}

function element(tag, { className, text, attrs } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  return node;
}

function detail(list, term, value) {
  if (!value) return;
  list.append(element("dt", { text: term }), element("dd", { text: value }));
}

function actionButton(action, label, account, { danger = false } = {}) {
  const title = accountTitle(account);
  return element("button", {
    className: `button${danger ? " button-danger" : ""}`,
    text: label,
    attrs: { type: "button", "data-action": action, "data-account-id": String(account.id), "aria-label": `${label}: ${title}` },
  });
}

// The history sync of an account that is linking: a bar and its percent (as the first paint renders it).
function syncProgress(percent) {
  const line = element("p", { className: "sync-progress", attrs: { "data-sync-progress": "" } });
  const bar = element("progress", { attrs: { max: "100", "aria-label": "History sync" } });
  const text = element("span", { attrs: { "data-sync-text": "" } });
  showSyncProgress(bar, text, percent);
  line.append(bar, " ", text);
  return line;
}

export function renderAccountCard(account, { canManage, pending }) {
  const id = String(account.id);
  const card = element("li", {
    className: `account-card status-${account.status}${account.is_primary ? " is-primary" : ""}`,
    attrs: { "data-account-id": id, "aria-labelledby": `account-${id}-title`, "aria-busy": pending ? "true" : "false" },
  });
  const header = element("div", { className: "account-header" });
  header.append(element("h3", { className: "account-title", text: accountTitle(account), attrs: { id: `account-${id}-title` } }));
  const badges = element("div", { className: "badges" });
  badges.append(
    element("span", {
      className: `badge status-badge status-${account.reconnecting ? "reconnecting" : account.status}`,
      text: statusLabel(account),
      attrs: { "data-status": account.status, ...(account.reconnecting ? { "data-reconnecting": "" } : {}) },
    }),
  );
  if (account.is_primary) {
    badges.append(element("span", { className: "badge primary-badge", text: "★ Primary", attrs: { "data-primary": "" } }));
  }
  if (account.moving) {
    // Its worker died or is drained: the session reopens on another one from its stored login, no QR needed.
    badges.append(element("span", { className: "badge moving-badge", text: "Moving to another worker…", attrs: { "data-moving": "" } }));
  }
  header.append(badges);
  card.append(header);

  const details = element("dl", { className: "account-details" });
  detail(details, "Name", account.push_name);
  detail(details, "Platform", account.platform);
  detail(details, account.status === "connected" ? "Connected since" : "Last connected", formatTime(account.connected_at));
  detail(details, "Last seen", formatTime(account.last_seen_at));
  detail(details, "Proxy", account.proxy);
  detail(details, "WhatsApp Web", account.whatsapp_web_build);
  const reason = String(account.status_reason || "");
  const proxyFailed = reason.startsWith("PROXY_") || reason === "PAGE_CHANGED"; // said even while it retries
  if (account.status_reason && STOPPED_STATUSES.includes(account.status) && (!account.reconnecting || proxyFailed)) {
    detail(details, "Reason", failureMessage(account.status_reason, account));
  }
  card.append(details);
  if (account.status === "authenticated" && !account.reconnecting) card.append(syncProgress(account.sync_percent));

  const actions = element("div", { className: "account-actions" });
  if (canManage && account.status === "connected" && !account.is_primary) {
    actions.append(actionButton("set-primary", "☆ Make primary", account));
  }
  if (STOPPED_STATUSES.includes(account.status) && !account.reconnecting) {
    actions.append(actionButton("reconnect", "Reconnect", account));
  }
  if (account.status === "qr_scanning") actions.append(actionButton("show-qr", "Show QR code", account));
  if (canManage && ["connected", "authenticated"].includes(account.status)) {
    actions.append(actionButton("logout", "Log out", account));
  }
  if (canManage) actions.append(actionButton("delete", "Delete", account, { danger: true }));
  for (const button of actions.querySelectorAll("button")) button.disabled = Boolean(pending);
  card.append(actions);

  if (account.timeline && account.timeline.length) {
    const timeline = element("details", { className: "account-timeline" });
    timeline.append(element("summary", { text: "Timeline" }), renderTimeline(account.timeline, { formatTime }));
    card.append(timeline);
  }
  return card;
}

class AccountsPage {
  constructor(config) {
    this.config = config;
    this.workspaceId = config.workspace_id;
    this.canManage = config.can_manage;
    this.accounts = new Map(config.accounts.map((account) => [String(account.id), account]));
    this.pending = new Set();
    this.openTimelines = new Set();
    this.api = new ApiClient({ base: config.api_base, csrfToken: config.csrf_token });
    this.list = document.getElementById("accounts");
    this.empty = document.getElementById("accounts-empty");
    this.mode = document.getElementById("live-mode");
    this.announcer = new Announcer({ status: document.getElementById("live-status"), alert: document.getElementById("page-alert") });
    this.connectButton = document.getElementById("connect-button");
    this.banner = new IncidentBanner(document.getElementById("incident-banner"), config.incidents || []);
    this.confirmDialog = document.getElementById("confirm-dialog");
    this.panel = new ConnectPanel({
      dialog: document.getElementById("connect-dialog"),
      // An attempt nobody scanned leaves the list when it expires: its "Get a new QR code" is a new Connect.
      onNewCode: (accountId) =>
        accountId && this.accounts.has(accountId) ? this.reconnect(accountId, { fromPanel: true }) : this.connect(),
      onPairingCode: (accountId, phone) => this.api.requestPairingCode(accountId, phone),
      onClose: (accountId) => this.cancelAttempt(accountId),
      now: () => Date.now() + this.clockOffset,
    });
    this.connecting = false; // a Connect request is on its way
    this.clockOffset = 0; // server time - browser time, from each state answer
    this.recentlyRemoved = new Map(); // phone number -> removal time, to tell a merge of duplicates
    this.ownDeletes = new Set();
    this.unreachable = false; // the last state request failed: its message clears on the next success
    this.refreshTimer = null;
  }

  start() {
    this.render();
    this.connectButton.addEventListener("click", () => this.connect());
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) this.act(button.dataset.action, button.dataset.accountId);
    });
    this.list.addEventListener("toggle", (event) => this.rememberTimeline(event), true);
    document.getElementById("page-alert-dismiss")?.addEventListener("click", () => this.announcer.clearError());
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.live = new LiveUpdates({
      url: `${scheme}://${window.location.host}${this.config.ws_path}`,
      poll: () => this.refresh(),
      onMessage: (message) => this.onMessage(message),
      onModeChange: (mode) => this.showMode(mode),
    });
    this.live.start();
  }

  showMode(mode) {
    this.mode.dataset.mode = mode;
    this.mode.textContent = mode === "live" ? "Live updates on" : "Live updates paused: checking every 3 s";
  }

  rememberTimeline(event) {
    const card = event.target.closest?.("[data-account-id]");
    if (!card || !event.target.matches("details")) return;
    if (event.target.open) this.openTimelines.add(card.dataset.accountId);
    else this.openTimelines.delete(card.dataset.accountId);
  }

  // Re-render the list, keeping keyboard focus on the same control of the same account.
  render() {
    const focused = document.activeElement;
    const focusKey = focused && this.list.contains(focused) ? [focused.dataset.accountId, focused.dataset.action] : null;
    const sorted = [...this.accounts.values()].sort(
      (a, b) => Number(b.is_primary) - Number(a.is_primary) || String(a.created_at).localeCompare(String(b.created_at)),
    );
    const cards = sorted.map((account) => {
      const card = renderAccountCard(account, { canManage: this.canManage, pending: this.pending.has(String(account.id)) });
      const timeline = card.querySelector("details");
      if (timeline && this.openTimelines.has(String(account.id))) timeline.open = true;
      return card;
    });
    this.list.replaceChildren(...cards);
    this.empty.hidden = cards.length > 0;
    if (focusKey) {
      const [accountId, action] = focusKey;
      const same = this.list.querySelector(`[data-account-id="${accountId}"][data-action="${action}"]`);
      const fallback = this.list.querySelector(`li[data-account-id="${accountId}"] button`) || this.connectButton;
      (same || fallback).focus();
    }
  }

  setAccount(account) {
    const id = String(account.id);
    const before = this.accounts.get(id);
    this.accounts.set(id, account);
    this.announceChange(before, account);
    this.panel.update(account);
    const phone = account.phone_number;
    const removedAt = phone ? this.recentlyRemoved.get(phone) : undefined;
    if (removedAt !== undefined && Date.now() - removedAt < MERGE_WINDOW_MS && before?.phone_number !== phone) {
      this.recentlyRemoved.delete(phone);
      this.mergedInto(account);
    }
  }

  // A session linked a phone number that another account of the workspace had: that account was replaced.
  mergedInto(survivor) {
    const text = `${FAILURE_MESSAGES.DUPLICATE_MERGED} (${displayPhone(survivor)})`;
    this.announcer.say(text);
    if (this.panel.isOpen && this.panel.accountId === String(survivor.id)) this.panel.noteMerged();
  }

  announceChange(before, after) {
    if (!before) return;
    const title = accountTitle(after);
    if (before.status !== after.status && statusLabel(before) !== statusLabel(after)) {
      const label = statusLabel(after);
      const stopped = STOPPED_STATUSES.includes(after.status) && !after.reconnecting;
      const why = stopped && after.status_reason ? `: ${failureMessage(after.status_reason, after)}` : "";
      this.announcer.say(`${title} is now ${label.toLowerCase()}${why}`);
    } else if (!before.is_primary && after.is_primary) {
      this.announcer.say(`${title} is now the primary account.`);
    }
  }

  // The whole state from the server (the poll, and the catch-up after the socket reconnects).
  async refresh() {
    const url = `${this.config.state_url}?workspace=${encodeURIComponent(this.workspaceId)}`;
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    } catch (error) {
      this.unreachable = true;
      this.announcer.error("The server could not be reached. The page keeps trying.");
      throw error;
    }
    if (this.unreachable) {
      this.unreachable = false;
      this.announcer.clearError();
    }
    if ([401, 403, 404].includes(response.status) || response.redirected) {
      this.announcer.error("Your session has ended or you lost access to this workspace. Reload the page to sign in.");
      throw new Error("forbidden");
    }
    if (!response.ok) throw new Error(`state ${response.status}`);
    const data = await response.json();
    if (data.server_time) this.clockOffset = Date.parse(data.server_time) - Date.now();
    const seen = new Set();
    for (const account of data.accounts) {
      const id = String(account.id);
      seen.add(id);
      if (!this.pending.has(id) && !isStale(account, this.accounts.get(id))) this.setAccount(account);
    }
    for (const id of [...this.accounts.keys()]) {
      if (!seen.has(id) && !this.pending.has(id)) this.removeAccount(id);
    }
    this.render();
  }

  scheduleRefresh(delay = 100) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh().catch(() => {}), delay);
  }

  // ``removed``: the account as the server deleted it, when a message says so (its reason tells why).
  removeAccount(id, removed = null) {
    const account = this.accounts.get(id);
    this.accounts.delete(id);
    if (this.panel.isOpen && this.panel.accountId === id && removed?.status_reason === "QR_EXPIRED") {
      this.panel.showExpired(); // nobody scanned it: it leaves the list, the panel offers a new code
      return;
    }
    if (!account || this.ownDeletes.has(id)) return;
    const phone = account.phone_number;
    const survivor = phone && [...this.accounts.values()].find((other) => other.phone_number === phone);
    if (survivor) this.mergedInto(survivor);
    else if (phone) this.recentlyRemoved.set(phone, Date.now());
    if (!survivor) {
      const expired = removed?.status_reason === "QR_EXPIRED"; // an attempt nobody scanned
      this.announcer.say(expired ? FAILURE_MESSAGES.QR_EXPIRED : `${accountTitle(account)} was removed.`);
    }
    if (this.panel.isOpen && this.panel.accountId === id) {
      this.panel.fail(null, removed?.status_reason === "CANCELLED" ? FAILURE_MESSAGES.CANCELLED : "This account was deleted.");
    }
  }

  // A WebSocket message: {"type", "workspace_id", "account": <the API's account>}. Apply it at once, then
  // fetch the page's full view of the accounts (timeline, last seen) to stay exact. A new QR comes as its
  // string: its SVG is fetched from the API at once (fetchQrSvg).
  onMessage(message) {
    if (message.incident) {
      this.banner.apply(message.type, message.incident);
      return;
    }
    const account = message.account;
    if (account && account.id !== undefined) {
      const id = String(account.id);
      if (!this.pending.has(id) && !isStale(account, this.accounts.get(id))) {
        if (message.type === "account_deleted" || account.deleted) {
          this.removeAccount(id, account);
        } else {
          const known = this.accounts.get(id) || {};
          const merged = { ...known, ...account };
          merged.qr_svg = account.qr && known.qr === account.qr ? known.qr_svg : null;
          if (message.type === "primary_changed" && account.is_primary) {
            for (const other of this.accounts.values()) if (String(other.id) !== id) other.is_primary = false;
          }
          this.setAccount(merged);
          if (merged.qr && !merged.qr_svg) this.fetchQrSvg(id, merged.qr);
        }
        this.render();
      }
      this.scheduleRefresh(300);
    }
  }

  // The SVG of the QR an account shows (drawn by the server from the QR string), kept if that QR still shows.
  async fetchQrSvg(id, qr) {
    let svg = null;
    try {
      const response = await fetch(`/api/v1/accounts/${encodeURIComponent(id)}/qr.svg`, { credentials: "same-origin" });
      if (response.ok) svg = await response.text();
    } catch (error) {
      return; // the poll brings it
    }
    const account = this.accounts.get(id);
    if (!svg || !account || account.qr !== qr || account.qr_svg) return;
    this.setAccount({ ...account, qr_svg: svg });
    this.render();
  }

  // The API's answer to an action is the account as it is now: show it at once.
  // A broadcast may have brought a newer state first (the QR before the answer to "Connect"): keep it.
  applyAnswer(account) {
    if (!account || account.id === undefined) return;
    const known = this.accounts.get(String(account.id));
    if (!isStale(account, known)) {
      const qrSvg = known && account.qr && known.qr === account.qr ? known.qr_svg : null;
      this.setAccount({ ...known, ...account, qr_svg: qrSvg });
    } else {
      this.panel.update(known);
    }
    this.render();
    this.scheduleRefresh(0);
  }

  // "Connect WhatsApp" (also "Try again" and "Get a new QR code" in the panel). The API first: over one of the
  // workspace's limits (429) the page says which one and when it frees, instead of opening the dialog.
  async connect() {
    if (this.connecting) return;
    this.connecting = true;
    this.connectButton.setAttribute("aria-busy", "true");
    this.announcer.clearError();
    let account;
    try {
      account = await this.api.connect(this.workspaceId);
    } catch (error) {
      this.refused(error);
      return;
    } finally {
      this.connecting = false;
      this.connectButton.removeAttribute("aria-busy");
    }
    this.panel.open({ opener: this.connectButton });
    this.panel.follow(account.id);
    this.applyAnswer(account);
  }

  // A new session for an account that is not linked: the card's "Reconnect" or the panel's "Get a new QR code".
  async reconnect(accountId, { fromPanel = false } = {}) {
    let account;
    try {
      account = await this.api.reconnect(accountId);
    } catch (error) {
      if (error.status === 503) Object.assign(error, { message: FAILURE_MESSAGES.WORKER_UNAVAILABLE });
      if (fromPanel) throw error; // the panel shows it
      this.refused(error, { accountId });
      return;
    } finally {
      this.scheduleRefresh(0);
    }
    if (!fromPanel) this.panel.open({ opener: document.activeElement });
    this.panel.follow(account.id);
    this.applyAnswer(account);
  }

  // A Connect or Reconnect the server refused: a limit is said on the page (no dialog opens, or the open one
  // shows it); anything else in the panel, with "Try again".
  refused(error, { accountId = null } = {}) {
    // A limit, or WhatsApp Web changed (an incident is open: no session could work): said on the page.
    if ((error.status === 429 || error.code === "whatsapp_web_changed") && !this.panel.isOpen) {
      this.announcer.error(error.message);
      return;
    }
    if (!this.panel.isOpen) this.panel.open({ opener: this.connectButton });
    if (accountId) this.panel.follow(accountId);
    const unavailable = error.status === 503;
    this.panel.fail(unavailable ? "WORKER_UNAVAILABLE" : error.code, unavailable ? FAILURE_MESSAGES.WORKER_UNAVAILABLE : error.message);
  }

  // The panel closed. An attempt still waiting for its scan is cancelled: the worker stops its page (no QR keeps
  // rotating on the phone's list), and an account never linked leaves the list. After the scan the server says
  // no (409): the phone is linking, and the account stays.
  async cancelAttempt(accountId) {
    const account = accountId && this.accounts.get(accountId);
    if (!account || account.status !== "qr_scanning") return;
    this.ownDeletes.add(accountId);
    try {
      const answer = await this.api.cancel(accountId);
      if (answer.deleted) this.accounts.delete(accountId);
      else this.applyAnswer(answer);
      this.announcer.say(FAILURE_MESSAGES.CANCELLED);
    } catch (error) {
      if (error.status !== 409 && error.status !== 404) this.announcer.error(`Could not cancel the connection: ${error.message}`);
    } finally {
      this.ownDeletes.delete(accountId);
      this.render();
      this.scheduleRefresh(0);
    }
  }

  confirm(message, confirmLabel) {
    const dialog = this.confirmDialog;
    dialog.querySelector("[data-confirm-text]").textContent = message;
    dialog.querySelector("[data-confirm-ok]").textContent = confirmLabel;
    const opener = document.activeElement;
    return new Promise((resolve) => {
      dialog.addEventListener(
        "close",
        () => {
          resolve(dialog.returnValue === "confirm");
          if (opener && document.contains(opener)) opener.focus();
        },
        { once: true },
      );
      dialog.returnValue = "";
      dialog.showModal();
      dialog.querySelector("[data-confirm-cancel]").focus();
    });
  }

  async act(action, accountId) {
    const account = this.accounts.get(accountId);
    if (!account || this.pending.has(accountId)) return;
    const title = accountTitle(account);
    if (action === "show-qr") {
      this.panel.open({ opener: document.activeElement });
      this.panel.follow(accountId);
      this.panel.update(account);
      return;
    }
    if (action === "reconnect") {
      await this.reconnect(accountId);
      return;
    }
    if (action === "delete" && !(await this.confirm(`Delete ${title}? Its WhatsApp session is logged out and it disappears from this workspace.`, "Delete"))) return;
    if (action === "logout" && !(await this.confirm(`Log out ${title}? The phone will have to scan a new QR code to connect again.`, "Log out"))) return;

    // Reflect the action at once; the server's answer (and the broadcast) confirms or undoes it.
    const snapshot = new Map([...this.accounts].map(([id, value]) => [id, { ...value }]));
    this.pending.add(accountId);
    if (action === "delete") this.ownDeletes.add(accountId);
    if (action === "set-primary") {
      for (const other of this.accounts.values()) other.is_primary = String(other.id) === accountId;
    }
    this.render();
    try {
      if (action === "set-primary") await this.api.setPrimary(accountId);
      else if (action === "logout") await this.api.logout(accountId);
      else if (action === "delete") await this.api.remove(accountId);
      this.pending.delete(accountId);
      if (action === "delete") {
        this.accounts.delete(accountId);
        this.announcer.say(`${title} was deleted.`);
      } else if (action === "set-primary") {
        this.announcer.say(`${title} is now the primary account.`);
      } else {
        this.announcer.say(`${title} was logged out.`);
      }
      this.render();
      if (action === "delete") this.connectButton.focus();
    } catch (error) {
      this.pending.delete(accountId);
      this.ownDeletes.delete(accountId);
      this.accounts = snapshot;
      this.render();
      this.announcer.error(`Could not ${action.replace("-", " ")} ${title}: ${error.message}`);
    }
    this.scheduleRefresh(0);
  }
}

const config = JSON.parse(document.getElementById("page-config").textContent);
const page = new AccountsPage(config);
page.start();
const proxySection = document.getElementById("proxy-section");
if (proxySection && config.can_manage) new ProxySettings(proxySection, { api: page.api, workspaceId: config.workspace_id, proxy: config.proxy, announcer: page.announcer }).start();
