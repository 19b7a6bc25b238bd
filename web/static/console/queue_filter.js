// Finding one's way in the queue: filters by severity, service, camera and status and a search
// box over the open incidents; and a search of every incident, closed ones included, by date,
// place (a camera), type, service and text, answered by the server.
import { api, showError, clearError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { alarmType, alarmTypeNames, formatDateTime, fromSiteInput, t } from "/static/common/i18n.js";

const SEVERITIES = ["informational", "low", "medium", "high", "critical"];
const STATUSES = ["new", "acknowledged", "in_progress"];
const domainOf = (type) => type.split(".", 1)[0];

function choice(id, label, first, options) {
  return el("select", { id, "aria-label": label, title: label },
    el("option", { value: "" }, first), ...options.map(([value, text]) => el("option", { value }, text)));
}

function domains() {
  return [...new Set(alarmTypeNames().map(domainOf))].sort().map((d) => [d, t(`queue_filter.domain.${d}`)]);
}

export class QueueFilter {
  /** Filters above `queue`'s list; onOpen(id) shows an incident found by the search. */
  constructor(pane, queue, { onOpen }) {
    this.queue = queue;
    this.onOpen = onOpen;
    this.text = el("input", { type: "search", id: "queue-search", placeholder: t("queue_filter.search"),
      "aria-label": t("queue_filter.search") });
    this.severity = choice("queue-severity", t("queue_filter.severity"), t("queue_filter.any_severity"),
      SEVERITIES.map((s) => [s, t("queue_filter.at_least", { severity: t(`alerting.severity.${s}`) })]));
    this.service = choice("queue-service", t("queue_filter.service"), t("queue_filter.any_service"), domains());
    this.camera = choice("queue-camera", t("queue_filter.camera"), t("queue_filter.any_camera"), []);
    this.status = choice("queue-status", t("queue_filter.status"), t("queue_filter.any_status"),
      STATUSES.map((s) => [s, t(`queue_filter.status.${s}`)]));
    const history = el("button", { type: "button", id: "search-open" }, t("queue_filter.history"));
    history.addEventListener("click", () => this.openSearch());
    for (const control of [this.text, this.severity, this.service, this.camera, this.status]) {
      control.addEventListener("input", () => this.apply());
    }
    pane.querySelector("#queue").before(el("div", { class: "queue-filter" },
      this.text, this.severity, this.service, this.camera, this.status, history));
    this.dialog = this.buildSearch();
    document.body.append(this.dialog);
  }

  /** The cameras the user may see, to filter on. */
  setCameras(cameras) {
    const kept = this.camera.value;
    const options = cameras.map((c) => el("option", { value: c.id, selected: c.id === kept }, c.name));
    this.camera.replaceChildren(this.camera.firstElementChild, ...options);
  }

  focus() {
    this.text.focus();
  }

  apply() {
    const text = this.text.value.trim().toLowerCase();
    const [severity, service, camera, status] = [this.severity, this.service, this.camera, this.status].map((s) => s.value);
    const minimum = SEVERITIES.indexOf(severity);
    const active = text || severity || service || camera || status;
    this.queue.setFilter(active ? (i) =>
      (!severity || SEVERITIES.indexOf(i.severity) >= minimum)
      && (!service || domainOf(i.type) === service)
      && (!camera || (i.cameras || []).includes(camera))
      && (!status || i.status === status)
      && (!text || [`#${i.id}`, i.title, alarmType(i.type), i.assignee || ""].some((f) => f.toLowerCase().includes(text)))
      : null);
  }

  buildSearch() {
    const field = (key, control) => el("label", {}, t(key), " ", control);
    this.form = el("form", { method: "dialog", class: "search-form" },
      field("queue_filter.find.text", el("input", { type: "search", name: "text", maxlength: "200" })),
      field("queue_filter.find.since", el("input", { type: "datetime-local", name: "since" })),
      field("queue_filter.find.until", el("input", { type: "datetime-local", name: "until" })),
      field("queue_filter.find.type", choice("find-type", t("queue_filter.find.type"), t("queue_filter.any_type"),
        alarmTypeNames().map((n) => [n, alarmType(n)]).sort((a, b) => a[1].localeCompare(b[1])))),
      field("queue_filter.service", choice("find-domain", t("queue_filter.service"), t("queue_filter.any_service"), domains())),
      field("queue_filter.camera", this.findCamera = choice("find-camera", t("queue_filter.camera"), t("queue_filter.any_camera"), [])),
      field("queue_filter.find.state", choice("find-closed", t("queue_filter.find.state"), t("queue_filter.find.any_state"),
        [["true", t("queue_filter.find.closed")], ["false", t("queue_filter.find.open")]])),
      el("button", { type: "submit", id: "find-submit" }, t("queue_filter.find.submit")));
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.find(); });
    this.results = el("ol", { class: "search-results", "aria-live": "polite" });
    this.more = el("button", { type: "button", hidden: true }, t("queue_filter.find.more"));
    this.more.addEventListener("click", () => this.find(this.next));
    const close = el("button", { type: "button", class: "close" }, t("common.close"));
    const dialog = el("dialog", { id: "search-dialog", "aria-labelledby": "search-title" },
      el("h2", { id: "search-title" }, t("queue_filter.find.title")), this.form, this.results, this.more, close);
    close.addEventListener("click", () => dialog.close());
    return dialog;
  }

  openSearch() {
    const kept = this.findCamera.value;
    this.findCamera.replaceChildren(...[...this.camera.options].map((o) => new Option(o.text, o.value)));
    this.findCamera.value = kept;
    this.dialog.showModal();
    this.form.elements.text.focus();
  }

  query(before) {
    const data = new FormData(this.form);
    const params = new URLSearchParams({ limit: "30" });
    const text = (data.get("text") || "").trim();
    if (text) params.set("text", text);
    for (const name of ["since", "until"]) {
      const moment = fromSiteInput(data.get(name));
      if (moment) params.set(name, moment.toISOString());
    }
    for (const [name, id] of [["type", "find-type"], ["domain", "find-domain"], ["camera", "find-camera"], ["closed", "find-closed"]]) {
      const value = this.form.querySelector(`#${id}`).value;
      if (value) params.set(name, value);
    }
    if (before) params.set("before_id", before);
    return params;
  }

  async find(before = null) {
    const submit = this.form.querySelector("#find-submit");
    try {
      const page = await api(`/api/incidents/search?${this.query(before)}`);
      clearError(submit);
      if (!before) this.results.replaceChildren();
      for (const incident of page.items) this.results.append(this.result(incident));
      if (!this.results.children.length) this.results.append(el("li", { class: "empty" }, t("queue_filter.find.none")));
      this.next = page.next_before_id;
      this.more.hidden = this.next == null;
    } catch (error) {
      showError(submit, error);
    }
  }

  result(incident) {
    const open = el("button", { type: "button", "data-id": incident.id },
      `${formatDateTime(incident.opened_at)} · #${incident.id} ${incident.title}`);
    open.addEventListener("click", () => { this.dialog.close(); this.onOpen(incident.id); });
    return el("li", { class: `sev-${incident.severity}` }, open, " ",
      el("span", { class: "badge" }, t(`queue_filter.status.${incident.status}`)));
  }
}
