// One polite live region for status news and one assertive region for failures.

export class Announcer {
  constructor({ status, alert }) {
    this.status = status;
    this.alert = alert;
  }

  // Re-setting the same text would not be read again: clear first, then set on the next frame.
  static write(region, text) {
    region.textContent = "";
    window.requestAnimationFrame(() => {
      region.textContent = text;
    });
  }

  say(text) {
    Announcer.write(this.status, text);
  }

  error(text) {
    this.alert.hidden = !text;
    Announcer.write(this.alert.querySelector("[data-alert-text]") || this.alert, text);
  }

  clearError() {
    this.alert.hidden = true;
  }
}
