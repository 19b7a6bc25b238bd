// The incident's timeline in the console: repeated alarms grouped into one line (the server
// groups them), a "people only" view, and each group's alarms one click away.
import { el, when } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { byPeople, entryText } from "/static/common/timeline_lines.js";

/** What the reader chose (kept across refreshes of the same incident). */
export function timelineState() {
  return { incident: null, peopleOnly: false, expanded: new Set() };
}

function viewSwitch(state, redraw) {
  const option = (peopleOnly, key) => {
    const node = el("button", {
      type: "button", "data-control": peopleOnly ? "timeline-people" : "timeline-grouped",
      "aria-pressed": String(state.peopleOnly === peopleOnly),
    }, t(key));
    node.addEventListener("click", () => {
      state.peopleOnly = peopleOnly;
      redraw();
    });
    return node;
  };
  return el("div", { class: "timeline-view", role: "group", "aria-label": t("timeline.view") },
    option(false, "timeline.view.grouped"), option(true, "timeline.view.people"));
}

function groupAlarms(group, incident) {
  const byId = new Map(incident.alarms.map((alarm) => [alarm.id, alarm]));
  const alarms = group.alarm_ids.map((id) => byId.get(id)).filter(Boolean);
  const items = alarms.map((alarm) =>
    el("li", { "data-alarm": alarm.id }, when(alarm.occurred_at), alarm.description || alarm.type));
  const unlisted = group.count - alarms.length;
  if (unlisted > 0 && group.family === "alarms") {
    items.push(el("li", { class: "placeholder" }, t("timeline.unlisted", { count: unlisted })));
  }
  return el("ol", { class: "group-alarms" }, ...items);
}

function groupLine(entry, incident, state, redraw) {
  const group = entry.group;
  const key = `${group.alarm_type}@${group.first}`;
  const open = state.expanded.has(key);
  const toggle = el("button", { type: "button", class: "expand", "data-control": "timeline-expand",
    "aria-expanded": String(open) }, open ? t("timeline.collapse") : t("timeline.expand", { count: group.count }));
  toggle.addEventListener("click", () => {
    if (open) state.expanded.delete(key);
    else state.expanded.add(key);
    redraw();
  });
  return el("li", { "data-kind": entry.kind, "data-count": group.count },
    when(entry.at), entryText(entry), " ", toggle, open ? groupAlarms(group, incident) : null);
}

/** The timeline section; hooks: onPlay(clipData), redraw(). */
export function timelineSection(incident, state, hooks) {
  if (state.incident !== incident.id) Object.assign(state, timelineState(), { incident: incident.id });
  const shown = state.peopleOnly ? incident.timeline.filter(byPeople) : incident.timeline;
  const entries = [...shown].reverse().map((entry) => {
    if (entry.group) return groupLine(entry, incident, state, hooks.redraw);
    let play = null;
    if (entry.kind === "clip" && entry.data && entry.data.camera_id) {
      play = el("button", { type: "button", class: "clip", "data-control": "play-clip" }, t("timeline.play_clip"));
      play.addEventListener("click", () => hooks.onPlay(entry.data));
    }
    return el("li", { "data-kind": entry.kind }, when(entry.at), entryText(entry), play ? " " : null, play);
  });
  if (!entries.length) {
    entries.push(el("li", { class: "placeholder" }, t(state.peopleOnly ? "timeline.people_empty" : "timeline.empty")));
  }
  return el("section", { class: "timeline-section" }, el("h2", {}, t("timeline.title")),
    viewSwitch(state, hooks.redraw), el("ol", { class: "timeline" }, ...entries));
}
