// The crisis log on the crisis page: the table of who decided what and when, about which
// incident, and the form that writes a decision.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatDateTime, t } from "/static/common/i18n.js";

const PEOPLE = new Set(["decision", "action"]);

/** The label of an incident in a list: "n° 12 — Feeder 12 down". */
export function incidentLabel(incident) {
  return t("crisis.incidents.item", { id: incident.id, title: incident.title });
}

function row(entry) {
  const incident = entry.incident_id == null ? "" : t("crisis.incident.label", { id: entry.incident_id });
  return el("tr", { "data-kind": entry.kind, class: PEOPLE.has(entry.kind) ? "people" : "system" },
    el("td", {}, el("time", { datetime: entry.at }, formatDateTime(entry.at))),
    el("td", {}, entry.author || t("crisis.log.system")),
    el("td", {}, t(`crisis.kind.${entry.kind}`)),
    el("td", { class: "what" }, entry.text),
    el("td", {}, incident));
}

/** The log table and the decision form of the open crisis. */
export class CrisisLog {
  constructor({ table, form, text, incident, submit, peopleOnly, announce }) {
    this.body = table.tBodies[0];
    this.table = table;
    this.form = form;
    this.text = text;
    this.incident = incident;
    this.submit = submit;
    this.announce = announce;
    this.crisisId = null;
    this.seen = null; // how many lines were drawn: later decisions are announced
    peopleOnly.addEventListener("change", () => table.classList.toggle("people-only", peopleOnly.checked));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.write(); });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.ctrlKey) { event.preventDefault(); this.write(); }
    });
  }

  /** Draw a crisis's log, newest first; decisions by others since the last drawing are announced. */
  show(crisis, me) {
    if (crisis.id !== this.crisisId) { this.crisisId = crisis.id; this.seen = null; }
    const log = crisis.log || [];
    if (this.seen != null) {
      for (const entry of log.slice(this.seen)) {
        if (entry.kind === "decision" && entry.author !== me) {
          this.announce(t("crisis.announce.decision", { author: entry.author, text: entry.text }));
        }
      }
    }
    this.seen = log.length;
    const rows = log.slice().reverse().map(row);
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5 }, t("crisis.log.empty"))));
    this.body.replaceChildren(...rows);
  }

  /** Offer the crisis's incidents, then the other open ones, for the next decision. */
  offerIncidents(underCrisis, others) {
    const before = this.incident.value;
    const option = (i) => el("option", { value: String(i.id) }, incidentLabel(i));
    const groups = [el("option", { value: "" }, t("crisis.decision.no_incident"))];
    if (underCrisis.length) {
      groups.push(el("optgroup", { label: t("crisis.decision.under_crisis") }, ...underCrisis.map(option)));
    }
    if (others.length) {
      groups.push(el("optgroup", { label: t("crisis.decision.other_open") }, ...others.map(option)));
    }
    this.incident.replaceChildren(...groups);
    if ([...this.incident.options].some((o) => o.value === before)) this.incident.value = before;
  }

  async write() {
    const text = this.text.value.trim();
    if (!text || this.crisisId == null) return this.text.reportValidity();
    const body = { kind: "decision", text };
    if (this.incident.value) body.incident_id = Number(this.incident.value);
    this.submit.disabled = true;
    try {
      await api(`/api/crises/${this.crisisId}/log`, { method: "POST", body });
      clearError(this.submit);
      this.text.value = "";
      this.announce(t("crisis.decision.saved"));
      this.form.dispatchEvent(new CustomEvent("csu:written", { bubbles: true }));
      this.text.focus();
    } catch (error) {
      showError(this.submit, error);
    } finally {
      this.submit.disabled = false;
    }
  }
}
