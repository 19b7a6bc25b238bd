// The newest exports of the cameras this user may export: each one's progress bar, moved by the
// export events of WS /api/events (the server tells how far the work is: nothing is polled), and,
// once signed, its download as one zip, handed over under a requisition to a named recipient
// (both asked, and both written in the access log by the server before the first byte).
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatDateTime, t } from "/static/common/i18n.js";

const ORDER = { pending: 0, running: 1, done: 2, failed: 2 };
const FINISHED = new Set(["done", "failed"]);
const LISTED = 20;

/** True when state a is behind state b (an older event, or an answer overtaken by one). */
function behind(a, b) {
  return ORDER[a.state] < ORDER[b.state] || (ORDER[a.state] === ORDER[b.state] && a.progress < b.progress);
}

function moment(iso) {
  return formatDateTime(iso, { seconds: true });
}

/** The list, under the export form; onJob(job) hears every export's latest state. */
export class ExportList {
  constructor(cameraName, onJob) {
    this.cameraName = cameraName;
    this.onJob = onJob;
    this.entries = new Map(); // export id -> {job, item, bar, percent, note, actions}
    this.asked = new Set(); // exports being read because an event named one not listed yet
    this.asking = null; // an export asked for here, its answer not in yet
    this.list = el("ul", { class: "exports", "data-control": "exports" });
    this.handover = new HandoverDialog();
    this.element = el("section", { class: "export-list" },
      el("h3", {}, t("console.export.list")), this.list, this.handover.dialog);
  }

  /** An export as the server gave it: a new one goes on top, a listed one takes its state
   * unless an event already told more. */
  add(job, { top = true } = {}) {
    const listed = this.entries.get(job.id);
    if (listed) {
      if (!behind(job, listed.job)) this.show(listed, job);
      return;
    }
    const entry = this.entry(job);
    this.entries.set(job.id, entry);
    if (top) this.list.prepend(entry.item);
    else this.list.append(entry.item);
    this.show(entry, job);
    while (this.entries.size > LISTED) this.drop(this.list.lastElementChild.dataset.export);
  }

  /** An export is being asked for here: events of an unlisted export wait for its answer (it
   * may be that one) rather than read it again. */
  expect(answer) {
    const settled = answer.then(() => undefined, () => undefined);
    this.asking = settled;
    settled.then(() => { if (this.asking === settled) this.asking = null; });
  }

  drop(id) {
    this.entries.get(id).item.remove();
    this.entries.delete(id);
  }

  /** The event stream (re)opened: the newest exports read again, events missed meanwhile with them. */
  async load() {
    try {
      const jobs = await api(`/api/exports?limit=${LISTED}`);
      clearError(this.list);
      for (const job of jobs.reverse()) this.add(job);
    } catch (error) {
      showError(this.list, error);
    }
  }

  /** An export event of the socket: the bar moves; once finished, the export is read once (its
   * folder, or why it failed). */
  event(message) {
    const entry = this.entries.get(message.export_id);
    if (!entry) {
      if (this.asking) this.asking.then(() => this.event(message));
      else this.readNew(message.export_id); // someone else's, or asked here before a reload
      return;
    }
    const told = { state: message.state, progress: message.percent };
    if (behind(told, entry.job)) return;
    if (FINISHED.has(message.state)) this.reread(entry);
    else this.show(entry, { ...entry.job, ...told });
  }

  async readNew(id) {
    if (this.asked.has(id)) return;
    this.asked.add(id);
    try {
      this.add(await api(`/api/exports/${encodeURIComponent(id)}`));
    } catch (_) {
      // gone, or no longer ours to see: nothing to list
    } finally {
      this.asked.delete(id);
    }
  }

  async reread(entry) {
    try {
      this.show(entry, await api(`/api/exports/${encodeURIComponent(entry.job.id)}`));
      clearError(entry.note);
    } catch (error) {
      showError(entry.note, error);
    }
  }

  entry(job) {
    const what = job.case
      ? t("cases.console.item", {
        id: job.id, cameras: [...new Set(job.spans.map((s) => this.cameraName(s.camera_id)))].join(", "),
        start: moment(job.start), end: moment(job.end),
      })
      : t("console.export.item", {
        id: job.id, camera: this.cameraName(job.camera_id), start: moment(job.start), end: moment(job.end),
      });
    const bar = el("progress", { max: 100, value: 0, "data-control": "export-progress",
      "aria-label": t("console.export.progress_label", { id: job.id }) });
    const percent = el("span", { class: "percent", "data-control": "export-percent" });
    const note = el("span", { class: "note", "data-control": "export-note" });
    const actions = el("span", { class: "actions" });
    const item = el("li", { "data-export": job.id }, el("span", { class: "what" }, what), bar, percent, actions, note);
    return { job, item, bar, percent, note, actions };
  }

  show(entry, job) {
    entry.job = job;
    entry.item.dataset.state = job.state;
    entry.bar.value = job.progress;
    entry.percent.textContent = t("console.export.percent", { percent: job.progress });
    if (job.state === "failed") entry.note.textContent = job.error || t("console.export.no_reason");
    if (job.state === "done" && !entry.actions.childElementCount) {
      const download = el("button", { type: "button", "data-control": "export-download" }, t("console.export.download"));
      download.addEventListener("click", () => this.download(entry, download));
      entry.actions.append(download);
    }
    this.onJob(job);
  }

  async download(entry, button) {
    return downloadExport(entry.job, this.handover, button);
  }
}

/** Ask the hand-over, then send the finished export's zip straight to the browser's downloads. */
export async function downloadExport(job, handover, button) {
  const answer = await handover.ask(job);
  if (!answer) return;
  const url = `/api/exports/${encodeURIComponent(job.id)}/download?${new URLSearchParams(answer)}`;
  try {
    // A refusal (a right ended since) is told here in words; the zip itself goes straight
    // to the browser's downloads, never through this page's memory.
    await api(`/api/exports/${encodeURIComponent(job.id)}`);
    clearError(button);
  } catch (error) {
    showError(button, error);
    return;
  }
  const link = el("a", { href: url, download: `${job.id}.zip`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}

/** The hand-over dialog: requisition and recipient, both required, as the law wants them named. */
export class HandoverDialog {
  constructor() {
    this.title = el("h3", {});
    this.requisition = el("input", { required: true, maxlength: 128, "data-control": "handover-requisition" });
    this.recipient = el("input", { required: true, maxlength: 200, "data-control": "handover-recipient" });
    const cancel = el("button", { type: "button", "data-control": "handover-cancel" }, t("common.cancel"));
    const submit = el("button", { value: "ok", "data-control": "handover-submit" }, t("console.export.download_submit"));
    const form = el("form", { method: "dialog" }, this.title,
      el("p", { class: "help" }, t("console.export.download_help")),
      el("label", {}, `${t("console.export.requisition")} `, this.requisition),
      el("label", {}, `${t("console.export.recipient")} `, this.recipient),
      el("menu", {}, cancel, submit));
    this.dialog = el("dialog", { class: "handover", "data-control": "handover" }, form);
    cancel.addEventListener("click", () => this.dialog.close("cancel"));
    form.addEventListener("submit", (event) => {
      // Blanks are no answer: the browser's own check lets spaces through.
      if (!this.requisition.value.trim() || !this.recipient.value.trim()) event.preventDefault();
    });
  }

  /** Resolves to {requisition, recipient}, or null when cancelled; the export's own are offered. */
  ask(job) {
    this.title.textContent = t("console.export.download_title", { id: job.id });
    this.requisition.value = job.requisition || "";
    this.recipient.value = job.recipient || "";
    this.dialog.returnValue = "";
    this.dialog.showModal();
    (this.requisition.value ? this.recipient : this.requisition).focus();
    return new Promise((resolve) => {
      this.dialog.addEventListener("close", () => {
        const answer = { requisition: this.requisition.value.trim(), recipient: this.recipient.value.trim() };
        resolve(this.dialog.returnValue === "ok" && answer.requisition && answer.recipient ? answer : null);
      }, { once: true });
    });
  }
}
