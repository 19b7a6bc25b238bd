// Evidence tools of the playback panel: export the range shown as signed evidence (its progress
// and download in the export list), place a legal hold on it, and release active holds. Shown by
// role; the server still decides every request.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatDateTime, t } from "/static/common/i18n.js";
import { askReason } from "./dialogs.js";
import { ExportList } from "./export_list.js";

const EXPORTERS = new Set(["supervisor"]);
const HOLDERS = new Set(["supervisor", "admin"]);

function moment(iso) {
  // Holds may cover days: the date as well as the time, on the site's clock.
  return formatDateTime(iso, { seconds: true });
}

function field(label, attrs) {
  const input = el(attrs.rows ? "textarea" : "input", attrs);
  return [el("label", {}, label, " ", input), input];
}

/** The export and hold controls under the playback panel; range() gives {cameraId, start, end}. */
export class EvidenceTools {
  constructor(root, range, cameraName = (id) => id) {
    this.root = root;
    this.range = range;
    this.role = null;
    this.exports = new ExportList(cameraName, (job) => this.showJob(job));
  }

  /** An export event of WS /api/events. */
  exportEvent(message) {
    this.exports.event(message);
  }

  /** The event stream (re)opened: the export list is read again (what it missed with it). */
  resync() {
    if (EXPORTERS.has(this.role)) this.exports.load();
  }

  setRole(role) {
    this.role = role;
    this.render();
  }

  render() {
    const parts = [];
    if (EXPORTERS.has(this.role)) parts.push(this.exportForm(), this.exports.element);
    if (HOLDERS.has(this.role)) parts.push(this.holdForm(), this.holdList());
    this.root.replaceChildren(...parts);
  }

  /** The range changed (or the panel opened): read the holds again. */
  refresh() {
    if (HOLDERS.has(this.role)) this.loadHolds();
    if (this.state) this.state.textContent = "";
  }

  exportForm() {
    const optional = t("console.export.optional");
    const [reasonLabel, reason] = field(t("common.reason"), { rows: 2, required: true, maxlength: 1000, "data-control": "export-reason" });
    const [reqLabel, requisition] = field(t("console.export.requisition"), { maxlength: 128, "data-control": "export-requisition", placeholder: optional });
    const [toLabel, recipient] = field(t("console.export.recipient"), { maxlength: 200, "data-control": "export-recipient", placeholder: optional });
    const purpose = el("select", { "data-control": "export-purpose" },
      el("option", { value: "judicial" }, t("console.export.judicial")),
      el("option", { value: "public_request" }, t("console.export.public_request")));
    const submit = el("button", { "data-control": "export-submit" }, t("console.export.submit"));
    this.state = el("p", { class: "export-state", "data-control": "export-state", "aria-live": "polite" });
    const form = el("form", { class: "export" }, el("h3", {}, t("console.export.title")),
      reasonLabel, reqLabel, toLabel, el("label", {}, `${t("console.export.purpose")} `, purpose), submit, this.state);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.exportRange({
        reason: reason.value.trim(),
        requisition: requisition.value.trim() || null,
        recipient: recipient.value.trim() || null,
        purpose: purpose.value,
      }, submit);
    });
    return form;
  }

  async exportRange(fields, anchor) {
    const { cameraId, start, end } = this.range();
    if (!fields.reason) return showError(anchor, t("console.export.needs_reason"));
    this.state.dataset.state = "asking";
    this.state.textContent = t("console.export.asking");
    try {
      const asking = api("/api/exports", {
        method: "POST",
        body: { camera_id: cameraId, start: start.toISOString(), end: end.toISOString(), ...fields },
      });
      this.exports.expect(asking);
      const job = await asking;
      clearError(anchor);
      this.latest = job.id;
      this.exports.add(job);
    } catch (error) {
      this.state.textContent = "";
      showError(anchor, error);
    }
    return undefined;
  }

  /** The status line under the form tells the latest export asked for here. */
  showJob(job) {
    if (job.id !== this.latest || !this.state) return;
    this.state.dataset.state = job.state;
    this.state.dataset.folder = job.folder || "";
    if (job.state === "done") {
      this.state.textContent = t("console.export.done", { id: job.id, count: job.files.length, folder: job.folder });
    } else if (job.state === "failed") {
      this.state.textContent = t("console.export.failed", { id: job.id, error: job.error || t("console.export.no_reason") });
    } else {
      this.state.textContent = t("console.export.state", { id: job.id, state: t(`console.export.state.${job.state}`) });
    }
  }

  holdForm() {
    const [reqLabel, requisition] = field(t("console.export.requisition"), { required: true, maxlength: 128, "data-control": "hold-requisition" });
    const [officerLabel, officer] = field(t("console.hold.officer"), { required: true, maxlength: 128, "data-control": "hold-officer" });
    const [reasonLabel, reason] = field(t("common.reason"), { rows: 2, required: true, maxlength: 2000, "data-control": "hold-reason" });
    const submit = el("button", { "data-control": "hold-submit" }, t("console.hold.submit"));
    const form = el("form", { class: "hold" }, el("h3", {}, t("console.hold.title")), reqLabel, officerLabel, reasonLabel, submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { cameraId, start, end } = this.range();
      const body = {
        camera_id: cameraId, start: start.toISOString(), end: end.toISOString(),
        requisition: requisition.value.trim(), officer: officer.value.trim(), reason: reason.value.trim(),
      };
      try {
        await api("/api/holds", { method: "POST", body });
        clearError(submit);
        form.reset();
        await this.loadHolds();
      } catch (error) {
        showError(submit, error);
      }
    });
    return form;
  }

  holdList() {
    this.holds = el("ul", { class: "holds", "data-control": "holds" });
    return el("section", {}, el("h3", {}, t("console.hold.active")), this.holds);
  }

  async loadHolds() {
    if (!this.holds) return;
    try {
      const holds = await api("/api/holds?active=true");
      clearError(this.holds);
      const items = holds.map((hold) => this.holdItem(hold));
      if (!items.length) items.push(el("li", { class: "placeholder" }, t("console.hold.none")));
      this.holds.replaceChildren(...items);
    } catch (error) {
      showError(this.holds, error);
    }
  }

  holdItem(hold) {
    const release = el("button", { type: "button", "data-control": `release-${hold.id}` }, t("console.hold.release"));
    release.addEventListener("click", async () => {
      const reason = await askReason(t("console.hold.release_title", { requisition: hold.requisition }),
        t("console.hold.release_help"));
      if (!reason) return;
      try {
        await api(`/api/holds/${hold.id}/release`, { method: "POST", body: { reason } });
        await this.loadHolds();
      } catch (error) {
        showError(release, error);
      }
    });
    const words = t("console.hold.item", {
      camera: hold.camera_id, requisition: hold.requisition, officer: hold.officer,
      start: moment(hold.start), end: moment(hold.end), by: hold.placed_by,
    });
    return el("li", { "data-hold": hold.id }, `${words} `, release);
  }
}
