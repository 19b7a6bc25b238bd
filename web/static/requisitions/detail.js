// One record of the register: what was asked, its follow-up (take it on, refuse with a reason,
// deliver with the hand-over), an export per requested span with its state, and the legal holds
// and exports made for it. Read-only for the privacy officer.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatDateTime, fromSiteInput, t, toSiteInput } from "/static/common/i18n.js";

const FINAL = new Set(["delivered", "refused"]);

/** Who asked: the authority and its officer, or the person (an access request). */
export function fromWhom(record) {
  if (record.kind === "access") return record.requester || "";
  return [record.authority, record.officer].filter(Boolean).join(" — ");
}

/** A status as a small badge. */
export function statusBadge(status) {
  return el("span", { class: `status status-${status}`, "data-status": status }, t(`requisitions.status.${status}`));
}

const time = (iso) => (iso ? el("time", { datetime: iso }, formatDateTime(iso)) : "—");
const period = (start, end) => t("requisitions.period", { start: formatDateTime(start), end: formatDateTime(end) });
const sameMoment = (a, b) => new Date(a).getTime() === new Date(b).getTime();

function field(labelKey, input) {
  return el("label", {}, el("span", {}, t(labelKey)), input);
}

function facts(pairs) {
  return el("dl", { class: "facts" }, ...pairs.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
}

export class Detail {
  constructor(section, { manage, cameras, changed }) {
    this.section = section;
    this.manage = manage;
    this.cameraNames = new Map(cameras.map((c) => [c.id, c.name || c.id]));
    this.changed = changed;
    this.record = null;
    this.jobs = new Map(); // export id -> the export as /api/exports gives it, kept current by events
    this.states = new Map(); // export id -> its state element(s) on the page
    this.early = new Map(); // export id -> its latest event, heard before the answer that names it
    this.asking = false; // an export asked for here, its answer not in yet
  }

  camera(id) {
    return this.cameraNames.get(id) || id;
  }

  /** Show one record (read from the server), with its exports' latest states. */
  async open(id) {
    try {
      this.record = await api(`/api/requisitions/${id}`);
      if (this.manage) {
        const jobs = await api("/api/exports?limit=100");
        this.jobs = new Map(jobs.filter((j) => j.requisition === this.record.reference).map((j) => [j.id, j]));
      }
      this.render();
      for (const tr of document.querySelectorAll("#register tbody tr")) tr.classList.toggle("selected", tr.dataset.id === String(id));
    } catch (error) {
      this.section.hidden = false;
      this.section.replaceChildren(el("p", { class: "error-message", role: "alert" }, error.detail || String(error)));
    }
  }

  /** Read the open record again (after a reconnection: events may have been missed). */
  reload() {
    if (this.record) this.open(this.record.id);
  }

  render() {
    const r = this.record;
    this.states = new Map();
    const close = el("button", { type: "button", class: "quiet", id: "close-detail" }, t("requisitions.detail.close"));
    close.addEventListener("click", () => { this.section.hidden = true; this.record = null; });
    const late = r.late ? el("span", { class: "late-flag" }, t("requisitions.late")) : null;
    this.section.replaceChildren(
      el("div", { class: "detail-head" }, el("h2", { id: "detail-title" }, `${t(`requisitions.kind.${r.kind}`)} ${r.reference}`),
        statusBadge(r.status), late, el("span", { class: "spacer" }), close),
      this.summary(),
      el("h3", {}, t("requisitions.spans.title")), this.spans(),
      el("h3", {}, t("requisitions.action.title")), this.followUp(),
      el("h3", {}, t("requisitions.holds.title")), this.holds(),
      el("h3", {}, t("requisitions.exports.title")), this.exports(),
    );
    this.section.dataset.id = r.id;
    this.section.hidden = false;
  }

  summary() {
    const r = this.record;
    const basis = r.kind === "access" ? t(`requisitions.basis.${r.legal_basis}`) : r.legal_basis;
    const who = r.kind === "access"
      ? [["requisitions.field.requester", r.requester]]
      : [["requisitions.field.authority", r.authority], ["requisitions.field.officer", r.officer]];
    return facts([
      ...who,
      ["requisitions.field.received_at", time(r.received_at)],
      ["requisitions.field.legal_basis", basis],
      ["requisitions.field.deadline", time(r.deadline)],
    ]);
  }

  spans() {
    const r = this.record;
    if (!r.requested.length) return el("p", { class: "muted" }, t("requisitions.spans.none"));
    const note = r.kind === "access" ? el("p", { class: "muted" }, t("requisitions.export.anonymised_note")) : null;
    const rows = r.requested.map((span, index) => {
      const job = [...this.jobs.values()].reverse().find((j) => j.camera_id === span.camera_id
        && sameMoment(j.start, span.start) && sameMoment(j.end, span.end));
      const stateCell = el("td", { "data-control": "span-export" });
      if (job) this.trackState(job.id, stateCell);
      const actions = el("td", {});
      if (this.manage) {
        const button = el("button", { type: "button", "data-control": "export", "data-span": index }, t("requisitions.export.button"));
        button.addEventListener("click", () => this.export(span, button, stateCell));
        actions.append(button);
      }
      return el("tr", { "data-span": index }, el("td", {}, this.camera(span.camera_id)),
        el("td", {}, period(span.start, span.end)), actions, stateCell);
    });
    const head = el("tr", {}, el("th", {}, t("requisitions.spans.camera")), el("th", {}, t("requisitions.exports.column.period")),
      el("th", {}), el("th", {}, t("requisitions.spans.export")));
    return el("div", {}, note, el("table", { id: "spans" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  }

  async export(span, button, stateCell) {
    const r = this.record;
    button.disabled = true;
    this.early.clear();
    this.asking = true;
    try {
      const job = await api("/api/exports", { method: "POST", body: {
        camera_id: span.camera_id,
        start: span.start,
        end: span.end,
        reason: t("requisitions.export.reason", { kind: t(`requisitions.kind.${r.kind}`), reference: r.reference }),
        requisition: r.reference,
        recipient: r.kind === "access" ? r.requester : r.officer,
        purpose: r.kind === "access" ? "public_request" : "judicial",
      } });
      clearError(button);
      this.jobs.set(job.id, { ...this.jobs.get(job.id), ...job });
      this.trackState(job.id, stateCell);
      this.section.querySelector("#exports-made").replaceWith(this.exports());
      // A short export may have finished before its answer came: its events were kept.
      const early = this.early.get(job.id);
      if (early) this.exportEvent(early);
    } catch (error) {
      showError(button, error);
    } finally {
      this.asking = false;
      button.disabled = false;
    }
  }

  /** An export event: the export's state and bar move wherever the page shows them. */
  async exportEvent(message) {
    const job = this.jobs.get(message.export_id);
    if (!job) {
      if (this.asking) this.early.set(message.export_id, message);
      return;
    }
    const finished = job.state === "done" || job.state === "failed";
    Object.assign(job, { state: message.state, progress: message.percent });
    this.paint(message.export_id);
    if (finished || (message.state !== "done" && message.state !== "failed")) return;
    if (message.state === "failed") {
      // The event says that it failed; the export itself says why.
      const read = await api(`/api/exports/${encodeURIComponent(job.id)}`).catch(() => null);
      if (read) Object.assign(job, read);
      this.paint(job.id);
    } else {
      this.reload(); // the access log now lists it among the exports made for the record
    }
  }

  trackState(id, cell) {
    for (const [other, list] of this.states) this.states.set(other, list.filter((c) => c !== cell));
    const cells = this.states.get(id) || [];
    cells.push(cell);
    this.states.set(id, cells);
    this.paint(id);
  }

  paint(id) {
    const job = this.jobs.get(id);
    for (const cell of this.states.get(id) || []) cell.replaceChildren(job ? exportState(job) : "");
  }

  followUp() {
    const r = this.record;
    const parts = [];
    if (r.status === "refused") parts.push(el("p", { id: "refusal" }, t("requisitions.refusal", { reason: r.refusal_reason })));
    parts.push(el("p", { id: "handover" }, handoverText(r)));
    if (this.manage && !FINAL.has(r.status)) parts.push(this.actions());
    else if (FINAL.has(r.status)) parts.push(el("p", { class: "muted" }, t("requisitions.action.final")));
    return el("div", { class: "actions" }, ...parts);
  }

  actions() {
    const r = this.record;
    const box = el("div", { class: "actions" });
    if (r.status === "received") {
      const take = el("button", { type: "button", id: "take-on" }, t("requisitions.action.start"));
      take.addEventListener("click", () => this.change(take, { status: "in_progress" }));
      box.append(el("div", { class: "row" }, take));
    }
    const reason = el("input", { id: "refusal-reason", maxlength: 2000, size: 50 });
    const refuse = el("button", { type: "button", class: "danger", id: "refuse" }, t("requisitions.action.refuse"));
    refuse.addEventListener("click", () => this.change(refuse, { status: "refused", refusal_reason: reason.value.trim() || null }));
    box.append(el("div", { class: "row" }, field("requisitions.action.refusal_reason", reason), refuse));
    box.append(this.handoverForm());
    return box;
  }

  handoverForm() {
    const r = this.record;
    const recipient = el("input", { id: "h-recipient", maxlength: 128, value: r.recipient || (r.kind === "access" ? r.requester : r.officer) || "" });
    const at = el("input", { type: "datetime-local", id: "h-at", value: toSiteInput(r.handed_over_at || new Date()) });
    const medium = el("input", { id: "h-medium", maxlength: 128, value: r.medium || "", placeholder: t("requisitions.handover.medium_placeholder") });
    const receipt = el("input", { id: "h-receipt", maxlength: 128, value: r.receipt || "" });
    const handover = () => {
      const moment = fromSiteInput(at.value);
      return { recipient: recipient.value.trim(), handed_over_at: moment ? moment.toISOString() : null,
        medium: medium.value.trim(), receipt: receipt.value.trim() || null };
    };
    const save = el("button", { type: "button", class: "quiet", id: "save-handover" }, t("requisitions.action.save_handover"));
    save.addEventListener("click", () => this.change(save, { handover: handover() }));
    const row = el("div", { class: "row", id: "handover-form" }, field("requisitions.handover.recipient", recipient),
      field("requisitions.handover.at", at), field("requisitions.handover.medium", medium),
      field("requisitions.handover.receipt", receipt), save);
    if (r.status === "in_progress") {
      const deliver = el("button", { type: "button", id: "deliver" }, t("requisitions.action.deliver"));
      deliver.addEventListener("click", () => this.change(deliver, { status: "delivered", handover: handover() }));
      row.append(deliver);
    }
    return row;
  }

  async change(button, body) {
    button.disabled = true;
    try {
      this.record = await api(`/api/requisitions/${this.record.id}`, { method: "PATCH", body });
      this.render();
      await this.changed();
    } catch (error) {
      button.disabled = false;
      showError(button, error);
    }
  }

  holds() {
    const holds = this.record.holds;
    if (!holds.length) return el("p", { class: "muted", id: "holds" }, t("requisitions.holds.none"));
    return el("ul", { id: "holds" }, ...holds.map((h) => el("li", { "data-hold": h.id },
      `${this.camera(h.camera_id)} — ${period(h.start, h.end)} (${t(h.active ? "requisitions.holds.active" : "requisitions.holds.released")})`)));
  }

  exports() {
    // Finished exports from the access log, then this supervisor's others still under way.
    const made = this.record.exports.map((e) => ({ ...e, state: "done", progress: 100, ...this.jobs.get(e.id), user: e.user, at: e.at }));
    const listed = new Set(made.map((e) => e.id));
    const running = [...this.jobs.values()].filter((j) => !listed.has(j.id))
      .map((j) => ({ ...j, at: j.created_at, user: null }));
    const all = [...made, ...running];
    if (!all.length) return el("p", { class: "muted", id: "exports-made" }, t("requisitions.exports.none"));
    const head = el("tr", {}, ...["camera", "period", "purpose", "state", "by"].map((c) => el("th", {}, t(`requisitions.exports.column.${c}`))));
    const rows = all.map((e) => {
      const cell = el("td", {});
      this.trackState(e.id, cell);
      if (!this.jobs.has(e.id)) cell.replaceChildren(exportState(e));
      return el("tr", { "data-export": e.id }, el("td", {}, this.camera(e.camera_id)),
        el("td", {}, e.start && e.end ? period(e.start, e.end) : "—"), el("td", {}, purposeName(e.purpose)), cell,
        el("td", {}, e.user ? `${e.user}, ${formatDateTime(e.at)}` : formatDateTime(e.at)));
    });
    return el("table", { id: "exports-made" }, el("thead", {}, head), el("tbody", {}, ...rows));
  }
}

function purposeName(purpose) {
  return purpose === "public_request" || purpose === "judicial" ? t(`requisitions.purpose.${purpose}`) : purpose || "";
}

function exportState(job) {
  const words = job.state === "running"
    ? t("requisitions.export.state.running", { percent: job.progress ?? 0 })
    : t(`requisitions.export.state.${job.state}`);
  const bar = job.state === "running" || job.state === "pending" ? el("progress", { max: 100, value: job.progress ?? 0 }) : null;
  // A failed export's own reason is the server's English sentence: shown on hover, not as text.
  const title = job.state === "failed" ? job.error || null : null;
  return el("span", { class: `export-state ${job.state}`, "data-state": job.state, title }, bar, words);
}

function handoverText(r) {
  if (!r.handed_over_at) return t("requisitions.handover.none");
  const text = t("requisitions.handover.done", { recipient: r.recipient, at: formatDateTime(r.handed_over_at), medium: r.medium });
  return r.receipt ? `${text} (${t("requisitions.handover.receipt_line", { receipt: r.receipt })})` : text;
}
