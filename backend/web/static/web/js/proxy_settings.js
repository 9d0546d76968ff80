// The workspace's "Proxy" section (owners and admins): the proxy its sessions reach WhatsApp Web through. Saves
// with PUT /workspaces/<id>/proxy and removes with DELETE; the API's message (a SOCKS5 proxy with a password, a
// bad URL...) is shown under the form. The password is write-only: the page only says whether one is stored, and
// an empty password field keeps it (while the username stays the same).

export function describeProxy(proxy) {
  if (!proxy) return "No proxy: the sessions connect directly.";
  const credentials = proxy.username ? ` as ${proxy.username}${proxy.has_password ? ", password set" : ""}` : "";
  return `Sessions connect through ${proxy.url}${credentials}. A change applies from each session's next start.`;
}

export class ProxySettings {
  constructor(section, { api, workspaceId, proxy, announcer }) {
    this.section = section;
    this.api = api;
    this.workspaceId = workspaceId;
    this.proxy = proxy || null;
    this.announcer = announcer;
    this.form = section.querySelector("[data-proxy-form]");
    this.url = section.querySelector("[data-proxy-url]");
    this.username = section.querySelector("[data-proxy-username]");
    this.password = section.querySelector("[data-proxy-password]");
    this.error = section.querySelector("[data-proxy-error]");
    this.current = section.querySelector("[data-proxy-current]");
    this.removeButton = section.querySelector("[data-proxy-remove]");
  }

  start() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.removeButton.addEventListener("click", () => this.remove());
    this.render();
  }

  render() {
    this.url.value = this.proxy ? this.proxy.url : "";
    this.username.value = this.proxy ? this.proxy.username : "";
    this.password.value = "";
    this.password.placeholder = this.proxy?.has_password ? "set (leave empty to keep it)" : "";
    this.current.textContent = describeProxy(this.proxy);
    this.removeButton.hidden = !this.proxy;
  }

  showError(text) {
    this.error.textContent = text;
    this.url.setAttribute("aria-invalid", text ? "true" : "false");
  }

  async save() {
    const body = { url: this.url.value.trim(), username: this.username.value };
    if (this.password.value) body.password = this.password.value;
    else if (!body.username) body.password = "";
    this.showError("");
    try {
      this.proxy = await this.api.setWorkspaceProxy(this.workspaceId, body);
    } catch (error) {
      this.showError(error.message);
      return;
    }
    this.render();
    this.announcer?.say(`Proxy saved: ${this.proxy.url}.`);
  }

  async remove() {
    this.showError("");
    try {
      await this.api.removeWorkspaceProxy(this.workspaceId);
    } catch (error) {
      this.showError(error.message);
      return;
    }
    this.proxy = null;
    this.render();
    this.announcer?.say("Proxy removed: the sessions connect directly.");
  }
}
