// Small DOM helpers every page uses.
import { formatDateTime, formatTime } from "./i18n.js";

/** An element with attributes and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

/** A <time> showing the site's clock time of an ISO timestamp (its date and time as a tooltip). */
export function when(iso, { seconds = true } = {}) {
  return el("time", { datetime: iso, title: formatDateTime(iso, { seconds: true }) }, formatTime(iso, { seconds }));
}

/** Keep a clock element ticking. */
export function tickClock(node) {
  const tick = () => { node.textContent = formatTime(new Date(), { seconds: true }); };
  tick();
  return setInterval(tick, 1000);
}
