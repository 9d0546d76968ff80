// The banner of the incidents that affect the workspace (WhatsApp Web changed): rendered by the server at load,
// kept live by the WebSocket's incident_opened and incident_closed messages.

export class IncidentBanner {
  constructor(element, incidents) {
    this.element = element;
    this.incidents = new Map(incidents.map((incident) => [String(incident.id), incident]));
  }

  apply(type, incident) {
    if (!this.element || !incident || incident.id === undefined) return;
    if (type === "incident_closed" || incident.closed_at) this.incidents.delete(String(incident.id));
    else this.incidents.set(String(incident.id), incident);
    this.render();
  }

  render() {
    const items = [...this.incidents.values()].map((incident) => {
      const item = document.createElement("p");
      item.dataset.incidentId = String(incident.id);
      item.textContent = incident.detail;
      return item;
    });
    this.element.querySelector("[data-incident-list]").replaceChildren(...items);
    this.element.hidden = items.length === 0;
  }
}
