// The playback panel: a camera's recorded spans and gaps over a time range, then the footage itself
// (the reason asked first, as the law wants), with evidence export and legal holds for those allowed.
import { clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatTime, fromSiteInput, t, toSiteInput } from "/static/common/i18n.js";
import { askReason } from "./dialogs.js";
import { EvidenceTools } from "./evidence.js";
import { PlaybackControls } from "./playback_controls.js";
import { playInto } from "./stream.js";
import { drawSpans, duration, listenMarkKeys, readRecordings, recordedMs, spanWords } from "./timeline_bar.js";

const DEFAULT_MINUTES = 15;
const MAX_PLAYBACK_MS = 60 * 60 * 1000; // the server's limit for one playback

function clock(date) {
  return formatTime(date, { seconds: true });
}

/** A Date as the value of a datetime-local input: the site's clock, to the second. */
function siteInput(date) {
  return toSiteInput(date, { seconds: true });
}

/** The panel in <dialog id="playback">; role decides which evidence tools are shown. */
export class PlaybackPanel {
  constructor(dialog, cameraName) {
    this.dialog = dialog;
    this.cameraName = cameraName;
    this.role = null;
    this.controller = null;
    this.camera = null;
    this.range = null;
    dialog.addEventListener("close", () => this.stop());
    this.build();
    this.evidence = new EvidenceTools(this.dialog.querySelector(".evidence"), () => this.current(), cameraName);
  }

  /** Who is signed in: the export and hold controls follow the role (the server still decides). */
  setRole(role) {
    this.role = role;
    this.evidence.setRole(role);
  }

  build() {
    this.title = el("h2", {});
    const close = el("button", { type: "button", "data-control": "playback-close" }, t("console.close_esc"));
    close.addEventListener("click", () => this.dialog.close());
    this.startInput = el("input", { type: "datetime-local", step: "1", "data-control": "playback-start" });
    this.endInput = el("input", { type: "datetime-local", step: "1", "data-control": "playback-end" });
    const show = el("button", { "data-control": "playback-show" }, t("console.playback.show"));
    this.rangeForm = el("form", { class: "range" },
      el("label", {}, `${t("console.playback.from")} `, this.startInput),
      el("label", {}, `${t("console.playback.to")} `, this.endInput), show);
    this.rangeForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.readRange();
    });
    this.bar = el("div", { class: "bar", role: "img", "data-control": "playback-bar" });
    this.summary = el("p", { class: "summary" });
    this.play = el("button", { type: "button", "data-control": "playback-play" }, t("console.playback.play"));
    this.play.addEventListener("click", () => this.start());
    this.video = el("video", { controls: true, muted: true, playsinline: true, "data-control": "playback-video" });
    this.video.muted = true;
    this.video.hidden = true; // until there is something to show
    this.controls = new PlaybackControls(this.video, this.bar, () => this.current());
    listenMarkKeys(this.dialog, (direction) => this.controls.jump(direction));
    this.video.addEventListener("error", () => {
      if (this.controller) showError(this.play, t("console.playback.unplayable"));
    });
    this.dialog.replaceChildren(
      el("header", {}, this.title, el("span", { class: "spacer" }), close),
      this.rangeForm, this.bar, this.summary, el("div", { class: "play-row" }, this.play), this.video, this.controls.element,
      el("div", { class: "evidence" }));
  }

  /** Open on a camera over [start, end) (Dates); default: the last 15 minutes. */
  async open(cameraId, start = null, end = null) {
    this.stop();
    this.camera = cameraId;
    const until = end || new Date();
    this.setRange(start || new Date(until.getTime() - DEFAULT_MINUTES * 60000), until);
    this.title.textContent = t("console.playback.title", { camera: this.cameraName(cameraId) });
    this.dialog.dataset.camera = cameraId;
    this.video.removeAttribute("src");
    this.video.load();
    this.video.hidden = true;
    if (!this.dialog.open) this.dialog.showModal();
    this.play.focus();
    await this.load();
  }

  setRange(start, end) {
    this.range = { start, end };
    this.startInput.value = siteInput(start);
    this.endInput.value = siteInput(end);
  }

  /** The camera and range shown now (for exports and holds). */
  current() {
    return { cameraId: this.camera, ...this.range };
  }

  readRange() {
    // The inputs show the site's clock, whatever the browser's own time zone.
    const start = fromSiteInput(this.startInput.value);
    const end = fromSiteInput(this.endInput.value);
    if (!start || !end) return showError(this.rangeForm, t("console.playback.both_times"));
    if (end <= start) return showError(this.rangeForm, t("console.playback.order"));
    clearError(this.rangeForm);
    this.range = { start, end };
    this.stop();
    return this.load();
  }

  /** Ask the server what is recorded over the range and draw it. */
  async load() {
    this.bar.replaceChildren();
    this.summary.textContent = t("console.playback.reading");
    try {
      const found = await readRecordings(this.camera, this.range);
      clearError(this.bar);
      this.draw(found);
    } catch (error) {
      this.summary.textContent = "";
      this.bar.dataset.spans = "0";
      showError(this.bar, error);
    }
    this.evidence.refresh();
    this.controls.refresh();
  }

  draw(found) {
    const total = this.range.end - this.range.start;
    drawSpans(this.bar, found, this.range);
    const recorded = recordedMs(found);
    const gaps = found.gaps.length;
    this.bar.setAttribute("aria-label", spanWords(found));
    const times = { from: clock(this.range.start), to: clock(this.range.end) };
    this.summary.textContent = found.spans.length
      ? `${t("console.playback.summary", { recorded: duration(recorded), total: duration(total), ...times })} `
        + (gaps ? t("console.playback.gaps", { count: gaps }) : t("console.playback.no_gap"))
      : t("console.playback.nothing", times);
  }

  /** Ask why, then play the range (one request: refused in plain words, or the footage). */
  async start() {
    const { start, end } = this.range;
    if (end - start > MAX_PLAYBACK_MS) {
      return showError(this.play, t("console.playback.too_long"));
    }
    const reason = await askReason(
      t("console.playback.reason_title", { camera: this.cameraName(this.camera), from: clock(start), to: clock(end) }),
      t("console.playback.reason_help"),
    );
    if (!reason) return undefined;
    this.stop();
    clearError(this.play);
    const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString(), reason });
    const controller = new AbortController();
    this.controller = controller;
    this.dialog.dataset.playing = "true";
    this.video.hidden = false;
    try {
      await playInto(this.video, `/api/cameras/${encodeURIComponent(this.camera)}/playback.mp4?${query}`, controller);
    } catch (error) {
      if (controller.signal.aborted) return undefined;
      this.dialog.dataset.playing = "false";
      this.video.hidden = true;
      showError(this.play, error);
    }
    return undefined;
  }

  stop() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.video.pause();
    this.dialog.dataset.playing = "false";
  }
}
