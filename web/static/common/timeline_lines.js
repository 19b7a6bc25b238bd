// How a timeline line reads, the same on the console and on a wall: an entry is its author and
// text; a group of repeated alarms (kind alarm_group, see incidents/timeline_groups.py) counts,
// names and spans them ("300 alarmes Point lumineux éteint, 21:04–21:19, 38 sources").
import * as i18n from "/static/common/i18n.js";

const { formatTime, t } = i18n;

/** The catalogue's name of an alarm type in the page's language (the server's label else). */
export function typeLabel(type, fallback = type) {
  const named = i18n.alarmType ? i18n.alarmType(type) : type;
  return named !== type ? named : fallback;
}

/** The one line that stands for a group of repeated alarms. */
export function groupText(group) {
  const first = formatTime(group.first);
  const last = formatTime(group.last);
  const key = group.family === "video_events" ? "timeline.video_group" : "timeline.group";
  return t(key, {
    count: group.count,
    label: typeLabel(group.alarm_type, group.label),
    span: first === last ? first : t("timeline.span", { first, last }),
    sources: t("timeline.sources", { count: group.sources }),
  });
}

/** A line's text: a group's summary, or an entry's author and text. */
export function entryText(entry) {
  if (entry.group) return groupText(entry.group);
  return entry.author ? `${entry.author}: ${entry.text}` : entry.text;
}

/** Whether a person wrote the entry (notes, decisions, acknowledgements, escalations...). */
export function byPeople(entry) {
  return entry.author != null;
}
