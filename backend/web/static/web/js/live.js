// Live updates: the workspace WebSocket, reconnecting with exponential backoff and jitter; while it is
// down, polling every 3 s. Each time the socket is (re)admitted (its "hello"), one poll catches up on what
// was missed. A refusal (4401 not signed in, 4403 not a member, 4404 no such workspace) is final: the page
// keeps polling, and the poll reports the failure.

export const REFUSED_CLOSE_CODES = new Set([4401, 4403, 4404]);

export function backoffDelay(attempt, { base = 1000, max = 30000, random = Math.random } = {}) {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2); // "equal jitter": never less than half
}

export class LiveUpdates {
  constructor({ url, poll, onMessage, onModeChange = () => {}, pollInterval = 3000, pingInterval = 25000, backoff = {} }) {
    this.url = url;
    this.poll = poll; // async () => void: fetch the current state
    this.onMessage = onMessage;
    this.onModeChange = onModeChange;
    this.pollInterval = pollInterval;
    this.pingInterval = pingInterval;
    this.pingTimer = null;
    this.backoff = backoff;
    this.attempt = 0;
    this.socket = null;
    this.pollTimer = null;
    this.reconnectTimer = null;
    this.polling = false;
    this.stopped = false;
    this.refused = false;
    this.mode = "connecting";
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", () => this.reconnectNow());
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stopPolling();
    if (this.socket) this.socket.close();
  }

  setMode(mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    this.onModeChange(mode);
  }

  connect() {
    if (this.stopped || this.socket) return;
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.socketDown();
      return;
    }
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "pong") return;
      if (message.type === "hello") {
        this.attempt = 0;
        this.keepAlive(socket);
        this.stopPolling();
        this.setMode("live");
        this.pollOnce(); // catch up on anything missed while the socket was down
        return;
      }
      this.onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      clearInterval(this.pingTimer);
      if (this.socket === socket) this.socket = null;
      if (REFUSED_CLOSE_CODES.has(event.code)) this.refused = true;
      this.socketDown();
    });
  }

  // A ping now and then keeps proxies from closing an idle socket (the consumer answers "pong").
  keepAlive(socket) {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
    }, this.pingInterval);
  }

  socketDown() {
    if (this.stopped) return;
    this.setMode("polling");
    this.startPolling();
    clearTimeout(this.reconnectTimer);
    if (this.refused) return;
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.socket || this.stopped || this.refused) return;
    clearTimeout(this.reconnectTimer);
    this.connect();
  }

  startPolling() {
    if (this.pollTimer) return;
    this.pollOnce();
    this.pollTimer = setInterval(() => this.pollOnce(), this.pollInterval);
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  async pollOnce() {
    if (this.polling) return; // one request at a time: a slow server must not pile them up
    this.polling = true;
    try {
      await this.poll();
    } catch {
      // the caller reports failures; the next tick tries again
    } finally {
      this.polling = false;
    }
  }
}
