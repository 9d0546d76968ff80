// The REST API (/api/v1/...) as the page uses it: session cookie + CSRF token, JSON in and out.
// Every failure becomes an ApiError with a message a person can read.

export class ApiError extends Error {
  constructor({ status, code, message }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

const MESSAGES = {
  0: "The server could not be reached. Check your connection; the page keeps trying.",
  401: "Your session has ended. Sign in again.",
  403: "You do not have access to this workspace.",
  404: "That account no longer exists.",
  409: "That action conflicts with the account's current state. The list has been refreshed.",
  429: "Too many requests. Wait a moment and try again.",
  503: "No WhatsApp worker is available right now. Try again in a minute.",
};

// The API's error bodies: {"detail": "..."}, {"error": "...", "reason": "..."} or DRF field errors.
function describe(status, body) {
  if (body && typeof body === "object") {
    const text = body.detail || body.error || body.message;
    const code = body.code || body.reason || (body.detail ? body.error : null) || null;
    if (typeof text === "string" && text) return { code, message: text };
    const field = Object.entries(body).find(([, v]) => Array.isArray(v) && v.length);
    if (field) return { code, message: `${field[0]}: ${field[1][0]}` };
  }
  return { code: null, message: MESSAGES[status] || `The server answered ${status}. Try again.` };
}

export class ApiClient {
  constructor({ base = "/api/v1", csrfToken = "", fetchImpl = window.fetch.bind(window) } = {}) {
    this.base = base;
    this.csrfToken = csrfToken;
    this.fetch = fetchImpl;
  }

  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRFToken"] = this.csrfToken;
    let response;
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError({ status: 0, code: "network", message: MESSAGES[0] });
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) throw new ApiError({ status: response.status, ...describe(response.status, data) });
    return data;
  }

  listAccounts(workspaceId) {
    return this.request("GET", `/workspaces/${workspaceId}/accounts`);
  }

  getAccount(accountId) {
    return this.request("GET", `/accounts/${accountId}`);
  }

  connect(workspaceId) {
    return this.request("POST", `/workspaces/${workspaceId}/accounts`);
  }

  setPrimary(accountId) {
    return this.request("POST", `/accounts/${accountId}/primary`);
  }

  reconnect(accountId) {
    return this.request("POST", `/accounts/${accountId}/reconnect`);
  }

  // The Connect dialog closed before the scan: the session stops; an account never linked is deleted.
  cancel(accountId) {
    return this.request("POST", `/accounts/${accountId}/cancel`);
  }

  logout(accountId) {
    return this.request("POST", `/accounts/${accountId}/logout`);
  }

  remove(accountId) {
    return this.request("DELETE", `/accounts/${accountId}`);
  }

  // PUT /workspaces/<id>/proxy {"url", "username", "password"?} -> {"url", "username", "has_password", "updated_at"};
  // a password left out keeps the stored one (while the username stays the same).
  setWorkspaceProxy(workspaceId, body) {
    return this.request("PUT", `/workspaces/${workspaceId}/proxy`, body);
  }

  removeWorkspaceProxy(workspaceId) {
    return this.request("DELETE", `/workspaces/${workspaceId}/proxy`);
  }

  // POST /accounts/<id>/pairing-code {"phone_number"} -> {"code"}: "Link with phone number instead".
  requestPairingCode(accountId, phoneNumber) {
    return this.request("POST", `/accounts/${accountId}/pairing-code`, { phone_number: phoneNumber });
  }
}
