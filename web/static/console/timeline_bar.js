// The timeline bar, shared by the playback panel and synced playback: recorded spans and gaps,
// alarm and bookmark marks and the playhead, each placed on a range { start, end } (Dates) by its
// share of the range; the mark a previous/next jump goes to; the keys for those jumps.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatTime, t } from "/static/common/i18n.js";

const MARK_SLACK_MS = 250; // a jump lands just before its mark, so "next" passes it
const JUMP_KEYS = { PageUp: -1, PageDown: 1 };

/** A duration in words: "4 min 20 s". */
export function duration(ms) {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [h ? `${h} h` : null, m ? `${m} min` : null, s % 60 || !(h || m) ? `${s % 60} s` : null]
    .filter(Boolean).join(" ");
}

function clock(date) {
  return formatTime(date, { seconds: true });
}

/** Where a moment falls on the range, in percent of its length (0 to 100). */
function share(at, range) {
  const left = ((at.getTime() - range.start.getTime()) / (range.end - range.start)) * 100;
  return Math.min(100, Math.max(0, left));
}

/** Put a mark or the playhead at its moment (through the style object: the CSP refuses inline styles). */
export function place(node, at, range) {
  node.style.left = `${share(at, range)}%`;
}

/** What the server recorded of one camera over the range: { spans, gaps } (GET .../recordings). */
export function readRecordings(cameraId, range) {
  const query = new URLSearchParams({ start: range.start.toISOString(), end: range.end.toISOString() });
  return api(`/api/cameras/${encodeURIComponent(cameraId)}/recordings?${query}`);
}

/** Milliseconds recorded in an answer of readRecordings. */
export function recordedMs(found) {
  return found.spans.reduce((n, s) => n + (new Date(s.end) - new Date(s.start)), 0);
}

/** Fill `row` with the answer's spans (recorded) and gaps (nothing), and count them on it. */
export function drawSpans(row, found, range) {
  const total = range.end - range.start;
  const piece = (kind, item) => {
    const a = new Date(item.start), b = new Date(item.end);
    const words = t(kind === "span" ? "console.playback.span" : "console.playback.gap", { from: clock(a), to: clock(b) });
    const node = el("div", { class: kind, title: words, "data-start": item.start, "data-end": item.end });
    Object.assign(node.style, { left: `${share(a, range)}%`, width: `${Math.max(0.3, ((b - a) / total) * 100)}%` });
    return node;
  };
  row.replaceChildren(...found.spans.map((s) => piece("span", s)), ...found.gaps.map((g) => piece("gap", g)));
  row.dataset.spans = String(found.spans.length);
  row.dataset.gaps = String(found.gaps.length);
}

/** The words of a drawn row: "4 min d'enregistrement, 1 interruption". */
export function spanWords(found) {
  return t("console.playback.bar", { recorded: duration(recordedMs(found)), count: found.gaps.length });
}

/** An alarm as a mark (from GET /api/alarms or an incident's alarms). */
export function alarmMark(alarm) {
  return { kind: "alarm", at: new Date(alarm.occurred_at), label: alarm.description || alarm.type };
}

/** A bookmark as a mark (from GET /api/bookmarks). */
export function bookmarkMark(bookmark) {
  return { kind: "bookmark", at: new Date(bookmark.at), label: bookmark.note, camera: bookmark.camera_id };
}

/** Replace the bar's marks by these ({ kind, at, label, camera? }), each titled in words. */
export function drawMarks(bar, marks, range) {
  for (const old of bar.querySelectorAll(".mark")) old.remove();
  for (const mark of marks) {
    const words = t(`playback_tools.${mark.kind}_mark`, { time: clock(mark.at), label: mark.label });
    const node = el("div", { class: `mark ${mark.kind}`, title: words, "data-at": mark.at.toISOString() });
    if (mark.camera) node.dataset.camera = mark.camera;
    place(node, mark.at, range);
    bar.append(node);
  }
  bar.dataset.marks = String(marks.length);
}

/** Draw the playhead at `at` (a Date), or remove it (null); `control` names it for tests and tools. */
export function drawPlayhead(bar, at, range, control) {
  let head = bar.querySelector(".playhead");
  if (!at) return head?.remove();
  if (!head) {
    head = el("div", { class: "playhead", "data-control": control });
    bar.append(head);
  }
  place(head, at, range);
  return undefined;
}

/** The moment of the next (direction 1) or previous (-1) mark from `here` (ms), or null. */
export function markTarget(marks, here, direction) {
  const times = marks.map((m) => m.at.getTime()).sort((a, b) => a - b);
  const target = direction > 0
    ? times.find((x) => x > here + MARK_SLACK_MS)
    : times.reverse().find((x) => x < here - MARK_SLACK_MS);
  return target === undefined ? null : new Date(target);
}

/** The moment under a click on the bar, or null. */
export function clickedTime(bar, event, range) {
  const box = bar.getBoundingClientRect();
  if (!range || !range.start || !box.width) return null;
  const at = (event.clientX - box.left) / box.width;
  return new Date(range.start.getTime() + Math.min(1, Math.max(0, at)) * (range.end - range.start));
}

/** Page Up / Page Down in the dialog: jump(-1) / jump(1) (not while typing a note or a time). */
export function listenMarkKeys(dialog, jump) {
  dialog.addEventListener("keydown", (event) => {
    const direction = JUMP_KEYS[event.key];
    if (!direction || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.target.closest("textarea, select, input:not([type=range])")) return;
    event.preventDefault(); // a range input would move by a page too
    jump(direction);
  });
}
