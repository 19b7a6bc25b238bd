// A dome's preset tour in the PTZ bar: whether it runs and where it stands (for everyone who may
// move the dome), and for supervisors starting, stopping and editing it. Shown by role; the
// server still decides every request, and its refusals are said in its words.
import { api, ApiError, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatTime, t } from "/static/common/i18n.js";

const EDITORS = new Set(["supervisor"]);
const DWELL = { min: 5, max: 3600, first: 30 };
const MAX_STOPS = 32;
const clock = (iso) => formatTime(iso, { seconds: true });
// The server names the field at fault ("body.stops.0.dwell_s: ..."); the body is understood.
const words = (error) => (error instanceof ApiError ? error.detail : String((error && error.message) || error))
  .replace(/\bbody\./g, "");

/** The tour line of the PTZ bar; stateOf() gives the dome's PTZ state (its presets). */
export class TourBox {
  constructor(stateOf) {
    this.stateOf = stateOf;
    this.node = el("span", { class: "ptz-tour", "aria-live": "polite" });
    this.dialog = document.getElementById("tour-dialog");
    this.role = null;
    this.camera = null;
    this.view = null; // GET /api/cameras/{id}/ptz/tour
    this.error = null;
    this.drawn = null;
  }

  setRole(role) {
    this.role = role;
  }

  /** Follow this dome's tour from now on. */
  show(camera) {
    this.camera = camera;
    this.view = null;
    this.error = null;
    this.drawn = null;
    this.node.replaceChildren();
  }

  url() {
    return `/api/cameras/${encodeURIComponent(this.camera)}/ptz/tour`;
  }

  async refresh() {
    const camera = this.camera;
    try {
      const view = await api(this.url());
      if (camera === this.camera) this.view = view;
    } catch (error) {
      if (camera === this.camera && error.status !== 401) this.error = words(error);
    }
    this.render();
  }

  presetName(token) {
    const state = this.stateOf();
    const preset = state && state.presets.find((p) => p.token === token);
    return preset ? preset.name : token;
  }

  describe() {
    const v = this.view;
    if (v.running) {
      const stop = v.stop != null ? v.stops[v.stop] : null;
      let text = t("console.tour.running", { user: v.started_by });
      if (v.held_by) text += t("console.tour.waiting", { user: v.held_by });
      else if (stop) text += t("console.tour.at_stop", { stop: v.stop + 1, stops: v.stops.length, preset: this.presetName(stop.preset) });
      if (!v.held_by && v.next_at) text += t("console.tour.next", { time: clock(v.next_at) });
      return [v.held_by ? "waiting" : "running", text];
    }
    if (v.stops.length) return ["stopped", t("console.tour.stopped", { count: v.stops.length })];
    return ["none", EDITORS.has(this.role) ? t("console.tour.none") : null];
  }

  render() {
    if (!this.view) return;
    const editor = EDITORS.has(this.role);
    const [state, text] = this.describe();
    const key = JSON.stringify([state, text, this.error, editor]);
    if (key === this.drawn) return; // unchanged: keep the focus where it is
    this.drawn = key;
    const parts = [];
    if (text) parts.push(el("span", { class: "tour-state", "data-state": state }, text));
    if (editor) {
      const running = this.view.running;
      const toggle = el("button", { type: "button", "data-control": running ? "tour-stop" : "tour-start" },
        t(running ? "console.tour.stop" : "console.tour.start"));
      toggle.disabled = !running && !this.view.stops.length;
      toggle.addEventListener("click", () => this.act(running ? "stop" : "start"));
      const edit = el("button", { type: "button", "data-control": "tour-edit" }, t(this.view.stops.length ? "console.tour.edit" : "console.tour.define"));
      edit.addEventListener("click", () => this.edit());
      parts.push(toggle, edit);
    }
    if (this.error) parts.push(el("span", { class: "error-message", role: "alert" }, this.error));
    this.node.replaceChildren(...parts);
  }

  async act(action) {
    try {
      this.view = await api(this.url(), { method: "POST", body: { action } });
      this.error = null;
    } catch (error) {
      this.error = words(error);
    }
    this.render();
  }

  /** The editor: the stops in order, each a preset of the dome and its dwell in seconds. */
  edit() {
    const presets = (this.stateOf() || { presets: [] }).presets;
    const list = el("ol", { class: "tour-stops" });
    const row = (stop) => {
      const select = el("select", { "data-field": "preset", "aria-label": t("console.tour.preset") },
        ...presets.map((p) => el("option", { value: p.token }, p.name)));
      if (stop.preset) select.value = stop.preset;
      const dwell = el("input", { type: "number", "data-field": "dwell_s", "aria-label": t("console.tour.dwell"),
        min: DWELL.min, max: DWELL.max, step: 1, value: stop.dwell_s });
      const item = el("li", {}, select, dwell, el("span", { class: "unit" }, "s"));
      for (const [label, key, move] of [["↑", "earlier", -1], ["↓", "later", 1], ["✕", "remove", 0]]) {
        const title = t(`console.tour.${key}`);
        const button = el("button", { type: "button", title, "aria-label": title }, label);
        button.addEventListener("click", () => {
          if (!move) item.remove();
          else if (move < 0 && item.previousElementSibling) item.previousElementSibling.before(item);
          else if (move > 0 && item.nextElementSibling) item.nextElementSibling.after(item);
        });
        item.append(button);
      }
      list.append(item);
    };
    const stops = this.view.stops.length ? this.view.stops : presets.slice(0, 2).map((p) => ({ preset: p.token, dwell_s: DWELL.first }));
    stops.forEach(row);
    const add = el("button", { type: "button", "data-control": "tour-add" }, t("console.tour.add"));
    add.addEventListener("click", () => {
      if (list.children.length < MAX_STOPS) row({ preset: presets[0] && presets[0].token, dwell_s: DWELL.first });
    });
    const save = el("button", { type: "button", "data-control": "tour-save" }, t("common.save"));
    const remove = el("button", { type: "button", "data-control": "tour-delete" }, t("console.tour.delete"));
    const cancel = el("button", { type: "button" }, t("console.cancel_esc"));
    save.addEventListener("click", () => this.save(list, save));
    remove.addEventListener("click", () => this.remove(remove));
    cancel.addEventListener("click", () => this.dialog.close());
    this.dialog.replaceChildren(el("form", { method: "dialog" },
      el("h2", {}, t("console.tour.title")),
      el("p", { class: "hint" }, t("console.tour.hint", { min: DWELL.min, max: DWELL.max })),
      list, add, el("menu", {}, remove, cancel, save)));
    if (!presets.length) list.after(el("p", { class: "error-message" }, t("console.tour.no_preset")));
    this.dialog.showModal();
  }

  async save(list, anchor) {
    const stops = [...list.children].map((item) => ({
      preset: item.querySelector("[data-field=preset]").value,
      dwell_s: Number(item.querySelector("[data-field=dwell_s]").value),
    }));
    try {
      this.view = await api(this.url(), { method: "PUT", body: { stops } });
      clearError(anchor);
      this.dialog.close();
      this.render();
    } catch (error) {
      showError(anchor, words(error));
    }
  }

  async remove(anchor) {
    try {
      this.view = await api(this.url(), { method: "DELETE" });
      this.dialog.close();
      this.render();
    } catch (error) {
      showError(anchor, words(error));
    }
  }
}
