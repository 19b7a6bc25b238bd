// PTZ of the chosen dome in the live view: who holds it and until when, its presets, saving one
// (shown to supervisors; the server still decides every request) and its tour. Moves come from a
// drag on the video or the keys (ptz_input.js). Every refusal is said in words, never swallowed.
import { api, ApiError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatNumber, formatTime, t } from "/static/common/i18n.js";
import { handsOn } from "./ptz_input.js";
import { TourBox } from "./ptz_tour.js";

const POLL_MS = 2000;
const MOVE_TIMEOUT_S = 10; // the camera stops by itself if the stop never comes
const LOST_SHOWN_MS = 10000;
const MOVERS = new Set(["operator", "supervisor"]);
const SAVERS = new Set(["supervisor"]);

const clock = (iso) => formatTime(iso, { seconds: true });
const role = (name) => t(`console.role.${name}`);
const words = (error) => (error instanceof ApiError ? error.detail : String((error && error.message) || error));
const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** The PTZ bar of the dome chosen in the grid; cameraOf(id) gives a camera from /api/cameras. */
export class PtzPanel {
  constructor(panel, grid, cameraOf) {
    this.panel = panel;
    this.cameraOf = cameraOf;
    this.user = null;
    this.camera = null; // the chosen dome's id
    this.state = null; // GET /api/cameras/{id}/ptz, while it answers
    this.lost = null; // who took the camera from this user, told by the event stream
    this.lostAt = 0;
    this.moved = false; // this user's control ended as the camera moved to another worker
    this.saidFor = null;
    this.stale = false;
    this.next = null; // the command waiting to go: only the latest matters
    this.busy = false;
    this.tour = new TourBox(() => this.state);
    handsOn(grid, {
      active: (id) => id === this.camera && this.state != null,
      onMove: (pan, tilt, zoom) => this.send({ action: "move", pan, tilt, zoom, timeout_s: MOVE_TIMEOUT_S }),
      onStop: () => this.send({ action: "stop" }),
    });
    setInterval(() => this.refresh(), POLL_MS);
  }

  /** Who is signed in ({username, role}). */
  setUser(user) {
    this.user = user;
    this.tour.setRole(user.role);
  }

  /** The camera the operator chose (a tile clicked or focused); the bar shows for a dome only. */
  select(id) {
    const camera = id && this.cameraOf(id);
    if (!camera || !camera.ptz || !this.user || !MOVERS.has(this.user.role)) return this.close();
    if (id === this.camera) return;
    this.camera = id;
    this.state = null;
    this.lost = null;
    this.moved = false;
    this.build(camera);
    this.refresh();
  }

  close() {
    this.camera = null;
    this.state = null;
    this.mark();
    this.panel.hidden = true;
    this.panel.replaceChildren();
  }

  mark() {
    // The dome's tile says it answers to a drag (its cursor) while the bar is its.
    for (const tile of document.querySelectorAll("#grid .cam")) {
      tile.classList.toggle("ptz-ready", tile.dataset.camera === this.camera && this.state != null);
    }
  }

  /** A PTZ control ended (WS /api/events): this user's camera taken over, or gone to another
   * worker of the cluster (free there, but not theirs any more), is said at once. */
  ended(message) {
    if (message.camera_id !== this.camera) return;
    const mine = this.user && message.username === this.user.username;
    if (mine && message.reason === "taken_over") {
      this.lost = message.by;
      this.lostAt = Date.now();
    } else if (mine && message.reason === "moved") {
      this.moved = true;
      this.lost = null;
    }
    this.refresh();
  }

  build(camera) {
    const n = {
      title: el("strong", {}, t("console.ptz.title", { camera: camera.name })),
      holder: el("span", { class: "ptz-holder", "data-state": "free", "aria-live": "polite" }),
      release: el("button", { type: "button", "data-control": "ptz-release", hidden: true }, t("console.ptz.release")),
      position: el("span", { class: "ptz-position" }),
      presets: el("span", { class: "ptz-presets", role: "group", "aria-label": t("console.ptz.presets") }),
      tour: this.tour.node,
      message: el("p", { class: "ptz-message", role: "alert", hidden: true }),
    };
    n.release.addEventListener("click", () => {
      this.send({ action: "release" });
      this.focusTile();
    });
    const parts = [n.title, n.holder, n.release, n.position, n.presets];
    if (this.user && SAVERS.has(this.user.role)) parts.push(this.saveForm());
    this.nodes = n;
    this.presetKey = null;
    this.panel.replaceChildren(el("div", { class: "ptz-row" }, ...parts), el("div", { class: "ptz-row" }, n.tour), n.message);
    this.panel.hidden = false;
    this.tour.show(camera.id);
  }

  saveForm() {
    const placeholder = t("console.ptz.preset_name");
    const name = el("input", { "data-control": "ptz-preset-name", placeholder, "aria-label": placeholder, maxlength: "64", required: true });
    const form = el("form", { class: "ptz-save" }, name, el("button", { "data-control": "ptz-save" }, t("console.ptz.save_preset")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await this.command({ action: "save_preset", name: name.value.trim() })) name.value = "";
      this.refresh();
    });
    return form;
  }

  focusTile() {
    const tile = this.camera && document.querySelector(`#grid .cam[data-camera="${CSS.escape(this.camera)}"]`);
    if (tile) tile.focus();
  }

  /** Read the dome's state again (every few seconds while chosen, and after each change). */
  async refresh() {
    const id = this.camera;
    if (!id) return;
    if (!document.querySelector(`#grid .cam[data-camera="${CSS.escape(id)}"]`)) return this.close();
    try {
      const state = await api(`/api/cameras/${encodeURIComponent(id)}/ptz`);
      if (id !== this.camera) return;
      this.state = state;
      if (this.stale) this.say(null); // a failed read's words (a 503 while the camera moved)
      this.render();
      this.mark();
    } catch (error) {
      if (id !== this.camera || error.status === 401) return;
      this.state = null;
      this.say(words(error), null, true);
      if ([403, 404, 409].includes(error.status)) this.camera = null; // no PTZ for us here: stop asking
      return;
    }
    this.tour.refresh();
  }

  render() {
    const { holder, position, presets } = this.state;
    const n = this.nodes;
    const mine = holder && this.user && holder.username === this.user.username;
    // "Taken over" stays while the taker holds the camera, and a little after if they let go.
    if (mine || (!holder && this.lost && Date.now() - this.lostAt > LOST_SHOWN_MS)) this.lost = null;
    if (holder) this.moved = false; // said until someone (they, or another) holds it again
    if (this.saidFor && (!holder || holder.username !== this.saidFor)) this.say(null); // stale
    let state = "free";
    let text = t("console.ptz.free");
    const who = holder && { user: holder.username, role: role(holder.role), until: clock(holder.until) };
    if (mine) [state, text] = ["mine", t("console.ptz.mine", who)];
    else if (holder && this.lost === holder.username) [state, text] = ["lost", t("console.ptz.taken", who)];
    else if (holder) [state, text] = ["other", t("console.ptz.held", who)];
    else if (this.lost) [state, text] = ["lost", t("console.ptz.taken_free", { user: this.lost })];
    else if (this.moved) [state, text] = ["lost", t("console.ptz.moved")];
    n.holder.dataset.state = state;
    n.holder.textContent = text;
    n.release.hidden = !mine;
    const axis = (v) => (v == null ? "?" : formatNumber(v, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    const where = t("console.ptz.position", { pan: axis(position.pan), tilt: axis(position.tilt), zoom: axis(position.zoom) });
    n.position.textContent = position.moving ? `${where} · ${t("console.ptz.moving")}` : where;
    const key = JSON.stringify(presets);
    if (key !== this.presetKey) {
      this.presetKey = key;
      const go = (body) => () => {
        this.send(body);
        this.focusTile(); // the arrows and the drag stay on the video
      };
      const buttons = presets.map((p) => {
        const button = el("button", { type: "button", "data-preset": p.token, title: t("console.ptz.preset", { token: p.token }) }, p.name);
        button.addEventListener("click", go({ action: "preset", preset: p.token }));
        return button;
      });
      const home = el("button", { type: "button", "data-control": "ptz-home", title: t("console.ptz.home_title") }, t("console.ptz.home"));
      home.addEventListener("click", go({ action: "home" }));
      n.presets.replaceChildren(...buttons, home);
    }
  }

  /** Send a command; a newer one replaces one still waiting (a stop never waits behind moves). */
  send(body) {
    this.next = body;
    if (!this.busy) this.drain();
  }

  async drain() {
    this.busy = true;
    while (this.next) {
      const body = this.next;
      this.next = null;
      await this.command(body);
    }
    this.busy = false;
  }

  async command(body) {
    const id = this.camera;
    if (!id) return false;
    try {
      const done = await api(`/api/cameras/${encodeURIComponent(id)}/ptz`, { method: "POST", body });
      if (id === this.camera && this.state) {
        this.state.holder = done.holder;
        this.say(null);
        this.render();
      }
      return true;
    } catch (error) {
      if (id === this.camera) this.refused(error);
      return false;
    }
  }

  async refused(error) {
    if (error.status === 409 && this.state) {
      await this.refresh();
      const holder = this.state && this.state.holder;
      if (holder && holder.username !== this.user.username) {
        const who = { user: holder.username, role: role(holder.role), until: clock(holder.until) };
        return this.say(t("console.ptz.not_sent", who), holder.username);
      }
    }
    this.say(words(error));
  }

  say(text, holder = null, stale = false) {
    this.saidFor = text ? holder : null; // a "held by" message goes once that hold has
    this.stale = stale; // a failed read's message goes once the camera answers again
    if (!this.nodes) return;
    this.nodes.message.hidden = !text;
    this.nodes.message.textContent = text ? capital(text) : "";
  }
}
