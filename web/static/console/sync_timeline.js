// Synced playback's timeline: one thin row per camera with what it recorded (spans and gaps), the
// incident's alarms and the bookmarks on those cameras as marks across every row, and the shared
// playhead; drawn with the playback panel's bar code (timeline_bar.js).
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { readBookmarks } from "./bookmarks.js";
import {
  alarmMark, bookmarkMark, clickedTime, drawMarks, drawPlayhead, drawSpans, markTarget, readRecordings, spanWords,
} from "./timeline_bar.js";

/** The timeline under the shared clock; `seek(Date)` moves the shared playhead. */
export class SyncTimeline {
  constructor(seek) {
    this.seek = seek;
    this.range = null;
    this.marks = [];
    this.node = el("div", { class: "sync-timeline", role: "group", "data-control": "sync-timeline", "aria-label": t("sync_playback.timeline") });
    this.node.addEventListener("click", (event) => {
      // A click on the rows moves the shared playhead there, as on the playback panel's bar.
      const at = clickedTime(this.node, event, this.range);
      if (at) this.seek(at);
    });
  }

  /** Draw the cameras' rows and the marks over the range (a reason was given: bookmark lists are logged). */
  async load(cameras, alarms, range) {
    this.range = range;
    this.marks = (alarms || []).map(alarmMark);
    const rows = cameras.map(({ id, name }) => {
      const row = el("div", { class: "sync-row", "data-camera": id, title: name });
      row.dataset.name = name;
      return row;
    });
    this.node.replaceChildren(...rows);
    this.node.dataset.marks = "0";
    const bookmarks = await Promise.all(cameras.map(async ({ id }, i) => {
      const [found, marked] = await Promise.allSettled([readRecordings(id, range), readBookmarks(id, range)]);
      if (this.range === range) this.drawRow(rows[i], found);
      return marked.status === "fulfilled" ? marked.value : [];
    }));
    if (this.range !== range) return; // another range was asked for meanwhile
    this.marks.push(...bookmarks.flat().map(bookmarkMark));
    drawMarks(this.node, this.marks, range);
  }

  drawRow(row, found) {
    const name = row.dataset.name;
    if (found.status !== "fulfilled") {
      row.dataset.spans = "0";
      row.title = t("sync_playback.row_unread", { camera: name });
      return;
    }
    drawSpans(row, found.value, this.range);
    row.title = t("sync_playback.row", { camera: name, bar: spanWords(found.value) });
    row.setAttribute("aria-label", row.title);
    row.append(el("span", { class: "row-name", "aria-hidden": "true" }, name));
  }

  /** The moment of the previous (-1) or next (1) mark from the shared clock's `here` (ms), or null. */
  target(here, direction) {
    return markTarget(this.marks, here, direction);
  }

  /** The shared playhead at `at` (a Date), or none (null). */
  playhead(at) {
    if (this.range) drawPlayhead(this.node, at, this.range, "sync-playhead");
  }

  clear() {
    this.range = null;
    this.marks = [];
    this.node.replaceChildren();
    this.node.dataset.marks = "0";
  }
}
