// An account's timeline: each step with the time since the previous one, so that an operator sees where
// a slow connection lost its time.

export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

// steps: [{step, label, at (ISO)}] in order -> [{...step, sincePrevious: "1.2 s" | ""}]
export function withDurations(steps) {
  let previous = null;
  return steps.map((step) => {
    const at = Date.parse(step.at);
    const since = previous === null || Number.isNaN(at) ? "" : formatDuration(at - previous);
    if (!Number.isNaN(at)) previous = at;
    return { ...step, sincePrevious: since };
  });
}

export function renderTimeline(steps, { formatTime }) {
  const list = document.createElement("ol");
  list.className = "timeline";
  for (const step of withDurations(steps)) {
    const item = document.createElement("li");
    item.className = `timeline-step timeline-${step.step}`;
    const label = document.createElement("span");
    label.className = "timeline-label";
    label.textContent = step.label;
    const time = document.createElement("time");
    time.dateTime = step.at;
    time.textContent = formatTime(step.at);
    item.append(label, " ", time);
    if (step.proxy) {
      const via = document.createElement("span");
      via.className = "timeline-proxy";
      via.textContent = `via ${step.proxy}`;
      item.append(" ", via);
    }
    if (step.build) {
      const build = document.createElement("span");
      build.className = "timeline-build";
      build.textContent = `WhatsApp Web ${step.build}`;
      item.append(" ", build);
    }
    if (step.sincePrevious) {
      const delta = document.createElement("span");
      delta.className = "timeline-delta";
      delta.textContent = `+${step.sincePrevious}`;
      item.append(" ", delta);
    }
    list.append(item);
  }
  return list;
}
