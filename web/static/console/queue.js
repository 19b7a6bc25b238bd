// The queue: open incidents, unacknowledged first, then the most severe, then the newest.
import { exerciseBadge } from "/static/common/exercise.js";
import { el, when } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";

const FRESH_MS = 2000;

function rank(a, b) {
  const fresh = (a.status === "new" ? 0 : 1) - (b.status === "new" ? 0 : 1);
  if (fresh) return fresh;
  // The server says how severities and statuses rank: one definition, in incidents.
  const severity = (b.severity_rank ?? 0) - (a.severity_rank ?? 0);
  if (severity) return severity;
  return b.opened_at.localeCompare(a.opened_at);
}

/** The incident queue in a listbox; onSelect(id) runs when the selection changes. */
export class Queue {
  constructor(list, onSelect) {
    this.list = list;
    this.onSelect = onSelect;
    this.incidents = new Map();
    this.fresh = new Set();
    this.selectedId = null;
    this.filter = null; // the operator's filter (queue_filter.js); null shows every open incident
    list.addEventListener("click", (event) => {
      const item = event.target.closest("li[data-id]");
      if (item) this.select(Number(item.dataset.id));
    });
  }

  /** Replace everything (first load and every resync). */
  load(summaries) {
    this.incidents.clear();
    for (const summary of summaries) this.incidents.set(summary.id, summary);
    this.render();
  }

  /** One incident opened or changed. */
  upsert(summary, { fresh = false } = {}) {
    this.incidents.set(summary.id, summary);
    if (fresh) this.flash(summary.id);
    this.render();
  }

  /** Alarms arrived: flash their incidents; returns the ids this queue does not know yet. */
  alarmsArrived(alarms) {
    const unknown = [];
    for (const alarm of alarms) {
      if (alarm.incident_id == null) continue;
      if (this.incidents.has(alarm.incident_id)) this.flash(alarm.incident_id);
      else unknown.push(alarm.incident_id);
    }
    this.render();
    return unknown;
  }

  flash(id) {
    this.fresh.add(id);
    setTimeout(() => { this.fresh.delete(id); }, FRESH_MS);
  }

  /** The open incidents in queue order. */
  ordered() {
    return [...this.incidents.values()].filter((i) => i.open).sort(rank);
  }

  /** The open incidents the filter lets through, in queue order. */
  shown() {
    return this.filter ? this.ordered().filter(this.filter) : this.ordered();
  }

  /** Show only the incidents for which `filter(incident)` holds (null: all). */
  setFilter(filter) {
    this.filter = filter;
    this.render();
  }

  /** The selected incident's summary, or null. */
  selected() {
    return this.incidents.get(this.selectedId) || null;
  }

  select(id) {
    if (this.selectedId === id) return;
    this.selectedId = id;
    this.render();
    this.onSelect(id);
  }

  /** Move the selection up (-1) or down (+1). */
  move(delta) {
    const order = this.shown();
    if (!order.length) return;
    const at = order.findIndex((i) => i.id === this.selectedId);
    const next = at < 0 ? 0 : Math.max(0, Math.min(order.length - 1, at + delta));
    this.select(order[next].id);
  }

  render() {
    const order = this.ordered();
    const items = this.shown().map((incident) => this.item(incident));
    const hidden = order.length - items.length;
    if (!items.length) items.push(el("li", { class: "empty" }, hidden ? t("queue_filter.all_hidden", { count: hidden }) : t("console.queue.empty")));
    this.list.replaceChildren(...items);
    const chosen = this.list.querySelector("[aria-selected=true]");
    if (chosen) chosen.scrollIntoView({ block: "nearest" });
    const waiting = order.filter((i) => i.status === "new" && !i.exercise).length; // the real watch's
    document.getElementById("counts").textContent = waiting ? t("console.queue.waiting", { count: waiting }) : "";
  }

  item(incident) {
    const selected = incident.id === this.selectedId;
    const node = el("li", {
      role: "option",
      "aria-selected": String(selected),
      "data-id": incident.id,
      "data-status": incident.status,
      "data-severity": incident.severity,
      "data-exercise": incident.exercise ? incident.exercise.id : null,
      class: this.fresh.has(incident.id) ? "fresh" : null,
    },
    el("div", { class: "title" }, `#${incident.id} ${incident.title}`),
    el("div", { class: "meta" },
      exerciseBadge(incident),
      el("span", { class: "badge" }, t(`console.status.${incident.status}`)),
      el("span", { class: `sev-${incident.severity}` }, t(`console.severity.${incident.severity}`)),
      when(incident.opened_at),
      el("span", {}, t("console.queue.alarms", { count: incident.alarm_count })),
      incident.escalated ? el("span", { class: "sev-critical" }, t("console.escalated")) : null));
    return node;
  }
}
