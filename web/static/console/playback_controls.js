// The playback panel's tools: the site-time clock of the picture shown, play/pause, speed, frame
// step, jumps to the previous/next alarm or bookmark, the playhead and marks on the timeline bar.
// The MP4's time 0 is its first frame, whose wall time the server sends (X-Playback-Start, kept by
// stream.js in video.dataset.start): the picture's site time is that plus video.currentTime.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatTime, t } from "/static/common/i18n.js";
import { BookmarkTools } from "./bookmarks.js";
import { alarmMark, bookmarkMark, clickedTime, drawMarks, drawPlayhead, markTarget } from "./timeline_bar.js";

// video.playbackRate, which Chromium and Firefox honour from 1/16x to 16x on a muted MSE stream.
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
const DEFAULT_FRAME_S = 1 / 25;

/** Tools bound to the panel's <video> and bar; `current()` gives { cameraId, start, end }. */
export class PlaybackControls {
  constructor(video, bar, current) {
    this.video = video;
    this.bar = bar;
    this.current = current;
    this.frameS = DEFAULT_FRAME_S;
    this.marks = [];
    this.element = this.build();
    this.bookmarks = new BookmarkTools(this.element.querySelector(".bookmarks"), {
      current,
      pictureTime: () => this.pictureTime(),
      seek: (date) => this.seekTo(date),
      changed: (items) => this.setBookmarks(items),
    });
    for (const kind of ["timeupdate", "seeked", "play", "pause", "ratechange", "loadedmetadata"]) {
      video.addEventListener(kind, () => this.show());
    }
    this.followFrames();
    bar.addEventListener("click", (event) => this.barClicked(event));
  }

  build() {
    const button = (control, key, action) => {
      const b = el("button", { type: "button", "data-control": control, title: t(`playback_tools.${key}_title`) }, t(`playback_tools.${key}`));
      b.addEventListener("click", action);
      return b;
    };
    this.clock = el("output", { class: "picture-clock", "data-control": "playback-clock", "aria-live": "off" }, "--:--:--");
    this.toggle = button("playback-toggle", "pause", () => this.playPause());
    this.speed = el("select", { "data-control": "playback-speed", "aria-label": t("playback_tools.speed") },
      ...SPEEDS.map((s) => el("option", { value: String(s) }, `${String(s).replace(".", ",")}×`)));
    this.speed.value = "1";
    this.speed.addEventListener("change", () => this.setSpeed(Number(this.speed.value)));
    return el("div", { class: "playback-tools", "data-control": "playback-tools" },
      el("div", { class: "tool-row" },
        this.clock, this.toggle,
        button("playback-frame-back", "frame_back", () => this.step(-1)),
        button("playback-frame-next", "frame_next", () => this.step(1)),
        el("label", {}, `${t("playback_tools.speed")} `, this.speed),
        button("playback-mark-prev", "mark_prev", () => this.jump(-1)),
        button("playback-mark-next", "mark_next", () => this.jump(1))),
      el("div", { class: "bookmarks" }));
  }

  /** When the picture shown was taken (a Date), or null before the footage has started. */
  pictureTime(mediaTime = this.video.currentTime) {
    const origin = this.video.dataset.start;
    if (!origin || this.video.hidden) return null;
    return new Date(new Date(origin).getTime() + mediaTime * 1000);
  }

  show(mediaTime) {
    const at = this.pictureTime(mediaTime);
    this.clock.textContent = at ? formatTime(at, { seconds: true }) : "--:--:--";
    this.clock.dataset.time = at ? at.toISOString() : "";
    const playing = !this.video.paused;
    this.toggle.textContent = t(playing ? "playback_tools.pause" : "playback_tools.play");
    this.toggle.dataset.state = playing ? "playing" : "paused";
    this.drawPlayhead(at);
  }

  followFrames() {
    // The clock follows the frame actually presented, not the coarser timeupdate events.
    if (!this.video.requestVideoFrameCallback) return;
    let last = null;
    const frame = (_now, meta) => {
      if (last && meta.presentedFrames > last.presentedFrames && meta.mediaTime > last.mediaTime) {
        const each = (meta.mediaTime - last.mediaTime) / (meta.presentedFrames - last.presentedFrames);
        // The shortest step seen is the recording's frame interval (fast play skips frames).
        if (each > 0.005 && each < 1) this.frameS = Math.min(this.seenFrameS ?? each, each);
        if (each > 0.005 && each < 1) this.seenFrameS = this.frameS;
      }
      last = meta;
      this.show(meta.mediaTime);
      this.video.requestVideoFrameCallback(frame);
    };
    this.video.requestVideoFrameCallback(frame);
  }

  playPause() {
    if (this.video.paused) this.video.play().catch(() => {});
    else this.video.pause();
  }

  setSpeed(rate) {
    // defaultPlaybackRate too: a new source (another range) keeps the chosen speed.
    this.video.defaultPlaybackRate = rate;
    this.video.playbackRate = rate;
    this.speed.value = String(rate);
  }

  step(frames) {
    this.video.pause();
    this.video.currentTime = Math.max(0, this.video.currentTime + frames * this.frameS);
  }

  seekTo(date) {
    const origin = this.video.dataset.start;
    if (!origin || this.video.hidden) return false;
    this.video.currentTime = Math.max(0, (date.getTime() - new Date(origin).getTime()) / 1000);
    return true;
  }

  jump(direction) {
    const now = this.pictureTime();
    const target = now && markTarget(this.marks, now.getTime(), direction);
    if (target) this.seekTo(target);
  }

  barClicked(event) {
    const at = clickedTime(this.bar, event, this.current());
    if (at) this.seekTo(at);
  }

  /** Read the range's alarms and bookmarks again (after the bar is drawn). */
  async refresh() {
    const { cameraId, start, end } = this.current();
    this.alarms = [];
    try {
      const query = new URLSearchParams({ since: start.toISOString(), limit: "1000" });
      const page = await api(`/api/alarms?${query}`);
      this.alarms = page.items.map((i) => i.alarm)
        .filter((a) => a.camera_id === cameraId && new Date(a.occurred_at) < end)
        .map(alarmMark);
    } catch {
      // Alarms are a convenience here; the footage and bookmarks stand without them.
    }
    await this.bookmarks.load();
  }

  setBookmarks(items) {
    this.marks = [...(this.alarms || []), ...items.map(bookmarkMark)];
    drawMarks(this.bar, this.marks, this.current());
  }

  drawPlayhead(at) {
    drawPlayhead(this.bar, at, this.current(), "playback-playhead");
  }
}
