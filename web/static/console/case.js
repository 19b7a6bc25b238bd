// "Make a case" in the incident view: the incident's covering cameras over its time span, its
// timeline, notes and crisis log in one signed export, asked for in one click (and a reason).
// The case's progress bar moves with the export events of WS /api/events, as an export's does;
// once signed it is downloaded from here (or from the playback panel's export list).
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { askReason } from "./dialogs.js";
import { HandoverDialog, downloadExport } from "./export_list.js";

const MAKERS = new Set(["supervisor"]); // who has the export right (the server still decides)

/** One block per incident, kept across the incident view's redraws. */
export class CaseMaker {
  constructor(evidence) {
    this.evidence = evidence; // the playback panel's EvidenceTools: the case is listed there too
    this.handover = new HandoverDialog(); // its own: the playback panel's may be shut
    document.body.append(this.handover.dialog);
    this.role = null;
    this.blocks = new Map(); // incident id -> {node, button, bar, percent, state, job}
  }

  setRole(role) {
    this.role = role;
  }

  /** The block of the incident's view (null for those who may not export, or no camera). */
  controls(incident) {
    if (!MAKERS.has(this.role) || !incident.cameras.length) return null;
    if (!this.blocks.has(incident.id)) this.blocks.set(incident.id, this.block(incident));
    return this.blocks.get(incident.id).node;
  }

  block(incident) {
    const button = el("button", { type: "button", "data-control": "make-case" }, t("cases.console.make"));
    const bar = el("progress", { max: 100, value: 0, hidden: true, "data-control": "case-progress",
      "aria-label": t("cases.console.progress_label", { id: incident.id }) });
    const percent = el("span", { class: "percent", "data-control": "case-percent" });
    const state = el("span", { class: "case-state", "data-control": "case-state", "aria-live": "polite" });
    const actions = el("span", { class: "actions" });
    const node = el("div", { class: "case", "data-case-incident": incident.id }, button, bar, percent, actions, state);
    const block = { node, button, bar, percent, state, actions, job: null };
    button.addEventListener("click", () => this.make(incident, block));
    return block;
  }

  async make(incident, block) {
    const reason = await askReason(t("cases.console.title", { id: incident.id }),
      t("cases.console.help", { cameras: incident.cameras.join(", ") }));
    if (!reason) return;
    try {
      const job = await api("/api/cases", {
        method: "POST", body: { incident_id: incident.id, covering: true, reason },
      });
      clearError(block.button);
      block.job = job;
      block.node.dataset.export = job.id;
      this.evidence.exports.add(job); // listed with the exports: the same bar and download
      this.show(block, job);
    } catch (error) {
      showError(block.button, error);
    }
  }

  /** An export event of the socket: a case asked for here moves its bar. */
  event(message) {
    for (const block of this.blocks.values()) {
      if (!block.job || block.job.id !== message.export_id) continue;
      if (message.state === "done" || message.state === "failed") this.reread(block);
      else this.show(block, { ...block.job, state: message.state, progress: message.percent });
    }
  }

  async reread(block) {
    try {
      this.show(block, await api(`/api/exports/${encodeURIComponent(block.job.id)}`));
    } catch (error) {
      showError(block.state, error);
    }
  }

  show(block, job) {
    if (job.progress < (block.job.progress || 0) && job.state === block.job.state) return;
    block.job = job;
    block.node.dataset.state = job.state;
    block.bar.hidden = false;
    block.bar.value = job.progress;
    block.percent.textContent = t("console.export.percent", { percent: job.progress });
    if (job.state === "done") {
      block.state.textContent = t("cases.console.done", { id: job.id, count: job.files.length });
      if (!block.actions.childElementCount) block.actions.append(this.downloadButton(job));
    } else if (job.state === "failed") {
      block.state.textContent = t("cases.console.failed", { id: job.id, error: job.error || t("console.export.no_reason") });
    } else {
      block.state.textContent = t("console.export.state", { id: job.id, state: t(`console.export.state.${job.state}`) });
    }
  }

  downloadButton(job) {
    const button = el("button", { type: "button", "data-control": "case-download" }, t("console.export.download"));
    button.addEventListener("click", () => downloadExport(job, this.handover, button));
    return button;
  }
}
