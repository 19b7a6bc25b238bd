// The incident view: facts, actions, procedure checklist, attached cameras, notes and timeline.
import { exerciseBadge } from "/static/common/exercise.js";
import { api, clearError, showError } from "/static/common/api.js";
import { el, when } from "/static/common/dom.js";
import { alarmType, t } from "/static/common/i18n.js";
import { askReason } from "./dialogs.js";
import { eventFigure } from "./snapshot.js";
import { timelineSection, timelineState } from "./timeline.js";

const STATUSES = ["new", "acknowledged", "in_progress", "resolved", "closed"];

function needsReason(error) {
  // The server names a missing reason in its refusal (in the page's language): ask for one and
  // send it again.
  return [400, 409, 422].includes(error.status) && /reason|motif/i.test(error.detail || "");
}

/** The video analytics alarms of an incident (each waits for a person's decision). */
function analyticsAlarms(incident) {
  return incident.alarms.filter((alarm) => alarm.type.startsWith("video.analytics."));
}

/** The selected incident; hooks: onChanged(summary), onCameras(ids, label), onPush(), onPlay(camera, start, end),
 * onPlaySync(incident), caseControls(incident) (its "make a case" block, or null). */
export class IncidentView {
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.incident = null;
    this.loading = null;
    this.figures = new Map(); // event id -> figure: each snapshot is fetched (and logged) once
  }

  /** Show an incident (null: none). */
  async show(id) {
    if (id !== this.id) this.figures = new Map();
    this.id = id;
    if (id == null) {
      this.incident = null;
      this.root.replaceChildren(el("p", { class: "placeholder" }, t("console.incident.select")));
      return;
    }
    await this.refresh();
  }

  /** Read the incident again (after a change, or when the server says it changed). */
  async refresh() {
    const id = this.id;
    if (id == null) return;
    try {
      const incident = await api(`/api/incidents/${id}`);
      if (id !== this.id) return;
      this.incident = incident;
      this.render();
    } catch (error) {
      if (id !== this.id) return;
      const line = el("p", { class: "placeholder" }, t("console.incident.number", { id }));
      this.root.replaceChildren(line);
      showError(line, error);
    }
  }

  /** Carry out an action; errors appear next to the control (anchor) that asked for it. */
  async act(body, anchor, reasonTitle = null) {
    if (!this.incident) return false;
    try {
      const summary = await api(`/api/incidents/${this.incident.id}/actions`, { method: "POST", body });
      clearError(this.anchor(anchor));
      this.hooks.onChanged(summary);
      await this.refresh();
      return true;
    } catch (error) {
      if (needsReason(error) && !body.text) {
        const text = await askReason(reasonTitle || t("console.incident.reason_required"), error.detail);
        if (text) return this.act({ ...body, text }, anchor, reasonTitle);
      }
      showError(this.anchor(anchor), error);
      return false;
    }
  }

  anchor(name) {
    return this.root.querySelector(`[data-control=${name}]`) || this.root;
  }

  acknowledge() {
    return this.act({ action: "acknowledge" }, "acknowledge");
  }

  async escalate() {
    if (!this.incident) return;
    const text = await askReason(
      t("console.incident.escalate_title", { id: this.incident.id }),
      t("console.incident.escalate_help"),
    );
    if (text) await this.act({ action: "escalate", text }, "escalate");
  }

  /** Confirm (true) or dismiss (false) the incident's video analytics alerts: a person decides. */
  decide(confirmed) {
    if (!this.incident || !analyticsAlarms(this.incident).length) return undefined;
    const action = confirmed ? "confirm" : "dismiss";
    return this.act({ action }, action);
  }

  /** Play the newest clip on the timeline (false: the incident has none). */
  playLatestClip() {
    const clips = this.incident ? this.incident.timeline.filter((e) => e.kind === "clip") : [];
    const clip = clips[clips.length - 1];
    if (!clip) return false;
    this.playClip(clip.data);
    return true;
  }

  playClip(data) {
    this.hooks.onPlay(data.camera_id, new Date(data.start), new Date(data.end));
  }

  setStatus(status) {
    return this.act({ action: "status", status }, "status");
  }

  toggleStep(index) {
    const step = this.incident && this.incident.procedure[index];
    if (step) this.act({ action: "step", step: index, done: !step.done }, `step-${index}`);
  }

  focusNote() {
    const input = this.root.querySelector("[data-control=note]");
    if (input) input.focus();
  }

  focusStatus() {
    const select = this.root.querySelector("[data-control=status]");
    if (select) select.focus();
  }

  render() {
    // A refresh must not lose a note being typed, nor the keyboard focus.
    const note = this.root.querySelector("[data-control=note]");
    const draft = note && note.value;
    const focused = document.activeElement && this.root.contains(document.activeElement)
      ? document.activeElement.dataset.control : null;
    this.draw();
    const again = this.root.querySelector("[data-control=note]");
    if (draft && again) again.value = draft;
    const control = focused && this.root.querySelector(`[data-control="${focused}"]`);
    if (control) control.focus();
  }

  draw() {
    const i = this.incident;
    const facts = [t("console.incident.number", { id: i.id }), alarmType(i.type), t(`console.severity.${i.severity}`),
      t(`console.status.${i.status}`), i.assignee ? t("console.incident.assigned", { name: i.assignee }) : null,
      i.escalated ? t("console.escalated") : null].filter(Boolean);
    this.root.replaceChildren(
      el("h3", { class: `sev-${i.severity}` }, exerciseBadge(i), i.title),
      el("p", { class: "facts" }, facts.join(" · "), ` · ${t("console.incident.opened")} `, when(i.opened_at)),
      this.actions(),
      this.hooks.caseControls?.(i) ?? "", // "make a case", kept across redraws with its bar
      this.analytics() ?? "", // none: replaceChildren would write "null"
      this.procedure(),
      this.cameras(),
      this.notes(),
      this.timeline(),
    );
    this.root.dataset.incident = i.id;
    this.root.dataset.status = i.status;
  }

  actions() {
    const i = this.incident;
    const button = (control, text, onClick, disabled = false) => {
      const node = el("button", { type: "button", "data-control": control, disabled }, text);
      node.addEventListener("click", onClick);
      return node;
    };
    const select = el("select", { "data-control": "status", "aria-label": t("console.incident.status") },
      ...STATUSES.map((s) => el("option", { value: s, selected: s === i.status }, t(`console.status.${s}`))));
    select.addEventListener("change", () => this.setStatus(select.value));
    return el("div", { class: "actions" },
      button("acknowledge", t("console.incident.acknowledge"), () => this.acknowledge(), i.status !== "new"),
      button("escalate", t(i.escalated ? "console.incident.escalate_again" : "console.incident.escalate"), () => this.escalate()),
      select,
      button("push", t("console.incident.push"), () => this.hooks.onPush()),
      button("show-cameras", t("console.incident.show_cameras"), () => this.showCameras(), !i.cameras.length),
      button("play-sync", t("sync_playback.button"), () => this.hooks.onPlaySync?.(this.incident), !i.cameras.length));
  }

  showCameras() {
    if (this.incident && this.incident.cameras.length) {
      this.hooks.onCameras(this.incident.cameras, t("console.incident.number", { id: this.incident.id }));
    }
  }

  analytics() {
    const alarms = analyticsAlarms(this.incident);
    if (!alarms.length) return null;
    const decisions = this.incident.timeline.filter((e) => e.kind === "analytics_decision");
    const last = decisions[decisions.length - 1];
    const button = (action, text) => {
      const node = el("button", { type: "button", "data-control": action }, text);
      node.addEventListener("click", () => this.decide(action === "confirm"));
      return node;
    };
    const kinds = [...new Set(alarms.map((a) => alarmType(a.type)))];
    const state = last
      ? el("p", { class: "decision", "data-decision": last.data.decision }, t("console.incident.last_decision", { text: last.text }))
      : el("p", { class: "decision", "data-decision": "none" }, t("console.incident.suggest"));
    return el("section", { class: "analytics" }, el("h2", {}, t("console.incident.analytics", { kinds: kinds.join(", ") })),
      ...this.incident.analytics.map((view) => this.figure(view)),
      state, el("div", { class: "actions" },
        button("confirm", t("console.incident.confirm")), button("dismiss", t("console.incident.dismiss"))));
  }

  figure(view) {
    if (!this.figures.has(view.event_id)) this.figures.set(view.event_id, eventFigure(view));
    return this.figures.get(view.event_id);
  }

  procedure() {
    const steps = this.incident.procedure.map((step, index) => {
      const box = el("input", { type: "checkbox", checked: step.done, "data-control": `step-${index}` });
      box.addEventListener("change", (event) => {
        event.preventDefault();
        this.toggleStep(index);
      });
      const by = step.done && step.by ? ` — ${step.by}` : "";
      return el("li", {}, el("label", {}, box, el("kbd", {}, index < 9 ? String(index + 1) : ""), `${step.text}${by}`));
    });
    if (!steps.length) steps.push(el("li", { class: "placeholder" }, t("console.incident.no_procedure")));
    return el("section", {}, el("h2", {}, t("console.incident.procedure")), el("ol", { class: "steps" }, ...steps));
  }

  cameras() {
    const ids = this.incident.cameras;
    const buttons = ids.map((id) => {
      const node = el("button", { type: "button", "data-camera": id }, id);
      node.addEventListener("click", () => this.hooks.onCameras([id], t("console.incident.number", { id: this.incident.id })));
      return node;
    });
    if (!buttons.length) buttons.push(el("span", { class: "placeholder" }, t("console.incident.no_camera")));
    return el("section", {}, el("h2", {}, t("console.incident.cameras")), el("div", { class: "cameras" }, ...buttons));
  }

  notes() {
    const placeholder = t("console.incident.note_placeholder");
    const input = el("input", { "data-control": "note", placeholder, "aria-label": placeholder, maxlength: 4000 });
    const form = el("form", { class: "note" }, input, el("button", {}, t("console.incident.add_note")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return showError(input, t("console.incident.note_empty"));
      input.value = ""; // sent: a refresh must not bring it back as a draft
      if (!(await this.act({ action: "note", text }, "note"))) {
        const again = this.root.querySelector("[data-control=note]");
        if (again) again.value = text;
      }
    });
    return el("section", {}, el("h2", {}, t("console.incident.notes")), form);
  }

  timeline() {
    this.timelineView ||= timelineState();
    return timelineSection(this.incident, this.timelineView, {
      onPlay: (data) => this.playClip(data),
      redraw: () => this.render(),
    });
  }
}
