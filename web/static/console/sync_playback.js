// Synced playback: an incident's covering cameras played together around its time, one reason for
// all, each camera's recording asked for once (one access-log entry per camera), one shared
// playhead on the site's clock that drives every picture (sync_clock.js).
import { clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatTime, t } from "/static/common/i18n.js";
import { askReason } from "./dialogs.js";
import { SPEEDS } from "./playback_controls.js";
import { MasterClock, follow } from "./sync_clock.js";
import { SyncTimeline } from "./sync_timeline.js";
import { playInto } from "./stream.js";
import { listenMarkKeys } from "./timeline_bar.js";

const BEFORE_MIN = 2;
const AFTER_MIN = 5;
const MAX_PLAYBACK_MS = 60 * 60 * 1000; // the server's limit for one playback
const TICK_MS = 50;

function clock(date) {
  return formatTime(date, { seconds: true });
}

/** When the incident happened: its first alarm, else its opening. */
export function incidentMoment(incident) {
  const times = (incident.alarms || []).map((a) => Date.parse(a.occurred_at)).filter((x) => !Number.isNaN(x));
  return new Date(times.length ? Math.min(...times) : Date.parse(incident.opened_at));
}

/** One camera's picture in the synced view. */
class SyncTile {
  constructor(cameraId, name) {
    this.cameraId = cameraId;
    this.video = el("video", { muted: true, playsinline: true, "data-control": "sync-video" });
    this.video.muted = true;
    this.clock = el("output", { class: "picture-clock", "data-control": "sync-picture-clock" }, "--:--:--");
    this.note = el("p", { class: "sync-note", "data-control": "sync-note" });
    this.node = el("figure", { class: "sync-tile", "data-camera": cameraId, "data-state": "idle" },
      el("div", { class: "sync-picture" }, this.video, this.note),
      el("figcaption", {}, el("strong", {}, name), " ", this.clock));
    this.controller = null;
    this.loaded = false;
    this.failed = false;
  }

  /** Ask for the camera's footage over [start, end) with the reason (one request, logged). */
  load(start, end, reason) {
    this.stop();
    clearError(this.clock);
    const controller = new AbortController();
    this.controller = controller;
    Object.assign(this, { loaded: false, failed: false });
    const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString(), reason });
    const url = `/api/cameras/${encodeURIComponent(this.cameraId)}/playback.mp4?${query}`;
    playInto(this.video, url, controller).then(() => { this.loaded = true; }, (error) => {
      if (controller.signal.aborted) return;
      this.failed = true;
      this.loaded = true;
      showError(this.clock, error);
    });
  }

  /** Settled: it has pictures, or it will have none. */
  settled() {
    return this.failed || this.video.buffered.length > 0;
  }

  /** Its first picture's site time (ms), or null. */
  firstPicture() {
    if (this.failed || !this.video.buffered.length || !this.video.dataset.start) return null;
    return Date.parse(this.video.dataset.start) + this.video.buffered.start(0) * 1000;
  }

  follow(master) {
    const state = this.failed ? "none" : follow(this.video, master, this.loaded);
    this.node.dataset.state = state;
    this.note.textContent = state === "none" ? t("sync_playback.no_recording")
      : state === "waiting" ? t("sync_playback.loading") : "";
    this.note.hidden = state === "shown";
    const origin = this.video.dataset.start;
    const at = state === "shown" && origin ? new Date(Date.parse(origin) + this.video.currentTime * 1000) : null;
    this.clock.textContent = at ? clock(at) : "--:--:--";
    this.clock.dataset.time = at ? at.toISOString() : "";
  }

  stop() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.video.pause();
  }
}

/** The synced playback dialog (made here: the shared page only gives it a place in <body>). */
export class SyncPlayback {
  constructor(cameraName) {
    this.cameraName = cameraName;
    this.clock = new MasterClock();
    this.tiles = [];
    this.timer = null;
    this.dialog = el("dialog", { id: "sync-playback", "aria-label": t("sync_playback.pane") });
    this.dialog.addEventListener("close", () => this.stop());
    listenMarkKeys(this.dialog, (direction) => this.jump(direction));
    document.body.append(this.dialog);
    this.build();
  }

  build() {
    this.title = el("h2", {});
    const close = el("button", { type: "button", "data-control": "sync-close" }, t("console.close_esc"));
    close.addEventListener("click", () => this.dialog.close());
    const minutes = (control, value) => el("input", { type: "number", min: "0", max: "60", step: "1", value: String(value), "data-control": control });
    this.before = minutes("sync-before", BEFORE_MIN);
    this.after = minutes("sync-after", AFTER_MIN);
    this.around = el("span", { class: "sync-around" });
    this.play = el("button", { "data-control": "sync-play" }, t("sync_playback.play"));
    this.form = el("form", { class: "range" }, this.around,
      el("label", {}, `${t("sync_playback.before")} `, this.before),
      el("label", {}, `${t("sync_playback.after")} `, this.after), this.play);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
    this.dialog.replaceChildren(
      el("header", {}, this.title, el("span", { class: "spacer" }), close),
      this.form, this.tools(), el("div", { class: "sync-grid", "data-control": "sync-grid" }));
  }

  tools() {
    const button = (control, key, action) => {
      const b = el("button", { type: "button", "data-control": control, title: t(`playback_tools.${key}_title`) }, t(`playback_tools.${key}`));
      b.addEventListener("click", action);
      return b;
    };
    this.master = el("output", { class: "picture-clock", "data-control": "sync-clock" }, "--:--:--");
    this.toggle = button("sync-toggle", "play", () => this.playPause());
    this.speed = el("select", { "data-control": "sync-speed", "aria-label": t("playback_tools.speed") },
      ...SPEEDS.map((s) => el("option", { value: String(s) }, `${String(s).replace(".", ",")}×`)));
    this.speed.value = "1";
    this.speed.addEventListener("change", () => { this.clock.setRate(Number(this.speed.value)); this.tick(); });
    this.bar = el("input", { type: "range", min: "0", max: "1", step: "0.1", value: "0", "data-control": "sync-bar", "aria-label": t("sync_playback.position") });
    this.bar.addEventListener("input", () => this.seek(new Date(this.range.start.getTime() + Number(this.bar.value) * 1000)));
    this.timeline = new SyncTimeline((at) => this.seek(at));
    this.toolRow = el("div", { class: "sync-tools", hidden: true },
      el("div", { class: "tool-row" }, this.master, this.toggle,
        el("label", {}, `${t("playback_tools.speed")} `, this.speed),
        button("sync-mark-prev", "mark_prev", () => this.jump(-1)),
        button("sync-mark-next", "mark_next", () => this.jump(1))),
      this.bar, this.timeline.node);
    return this.toolRow;
  }

  /** Open on an incident (its summary or detail: id, cameras, alarms/opened_at). */
  open(incident) {
    this.stop();
    this.incident = incident;
    this.moment = incidentMoment(incident);
    this.title.textContent = `${t("sync_playback.pane")} — ${t("console.incident.number", { id: incident.id })}`;
    this.around.textContent = t("sync_playback.around", { time: clock(this.moment) });
    this.tiles = incident.cameras.map((id) => new SyncTile(id, this.cameraName(id)));
    this.dialog.querySelector(".sync-grid").replaceChildren(...this.tiles.map((tile) => tile.node));
    this.dialog.dataset.incident = incident.id;
    this.dialog.dataset.playing = "false";
    this.toolRow.hidden = true;
    if (!this.dialog.open) this.dialog.showModal();
    this.play.focus();
  }

  /** Ask why once, then ask each camera for its footage over the range; the clock starts when they answer. */
  async start() {
    const before = Number(this.before.value), after = Number(this.after.value);
    const start = new Date(this.moment.getTime() - before * 60000);
    const end = new Date(this.moment.getTime() + after * 60000);
    if (!(end > start)) return showError(this.form, t("sync_playback.empty"));
    if (end - start > MAX_PLAYBACK_MS) return showError(this.form, t("sync_playback.too_long"));
    clearError(this.form);
    const names = this.tiles.map((tile) => this.cameraName(tile.cameraId)).join(", ");
    const reason = await askReason(
      t("sync_playback.reason_title", { cameras: names, from: clock(start), to: clock(end) }),
      t("console.playback.reason_help"),
    );
    if (!reason) return undefined;
    this.stop();
    this.range = { start, end };
    this.bar.max = String((end - start) / 1000);
    this.dialog.dataset.rangeStart = start.toISOString();
    this.begun = false;
    this.clock.pause();
    for (const tile of this.tiles) tile.load(start, end, reason);
    const cameras = this.tiles.map((tile) => ({ id: tile.cameraId, name: this.cameraName(tile.cameraId) }));
    this.timeline.load(cameras, this.incident.alarms, this.range);
    this.toolRow.hidden = false;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    return undefined;
  }

  /** Once every camera has answered: the clock starts at the first picture any of them has. */
  begin() {
    const firsts = this.tiles.map((tile) => tile.firstPicture()).filter((x) => x !== null);
    this.begun = true;
    this.clock.set(Math.max(this.range.start.getTime(), firsts.length ? Math.min(...firsts) : 0));
    this.clock.play();
  }

  tick() {
    if (!this.range) return;
    if (!this.begun && this.tiles.every((tile) => tile.settled())) this.begin();
    if (!this.begun) return;
    if (this.clock.now() >= this.range.end.getTime()) {
      this.clock.set(this.range.end.getTime());
      this.clock.pause();
    }
    for (const tile of this.tiles) tile.follow(this.clock);
    const at = new Date(this.clock.now());
    this.master.textContent = clock(at);
    this.master.dataset.time = at.toISOString();
    if (!this.bar.matches(":active")) this.bar.value = String((at - this.range.start) / 1000);
    this.timeline.playhead(at);
    const playing = this.clock.playing;
    this.toggle.textContent = t(playing ? "playback_tools.pause" : "playback_tools.play");
    this.toggle.dataset.state = playing ? "playing" : "paused";
    this.dialog.dataset.playing = String(playing);
    this.dialog.dataset.shown = String(this.tiles.filter((tile) => tile.node.dataset.state === "shown").length);
  }

  playPause() {
    if (!this.begun) return;
    if (this.clock.playing) this.clock.pause();
    else this.clock.play();
    this.tick();
  }

  /** Move the shared playhead to a site time (a Date): every picture follows. */
  seek(date) {
    if (!this.begun) return;
    const { start, end } = this.range;
    this.clock.set(Math.min(end.getTime(), Math.max(start.getTime(), date.getTime())));
    this.tick();
  }

  /** To the previous (-1) or next (1) alarm or bookmark: every camera at once. */
  jump(direction) {
    if (!this.begun) return;
    const target = this.timeline.target(this.clock.now(), direction);
    if (target) this.seek(target);
  }

  stop() {
    clearInterval(this.timer);
    this.timeline.clear();
    this.timer = null;
    this.range = null;
    this.begun = false;
    this.clock.pause();
    for (const tile of this.tiles) tile.stop();
    this.dialog.dataset.playing = "false";
  }
}
