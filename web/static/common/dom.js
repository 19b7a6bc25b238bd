// Small DOM helpers every page uses.

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

/** A <time> showing the local clock time of an ISO timestamp. */
export function when(iso) {
  const moment = new Date(iso);
  return el("time", { datetime: iso }, moment.toLocaleTimeString([], { hour12: false }));
}

/** Keep a clock element ticking. */
export function tickClock(node) {
  const tick = () => { node.textContent = new Date().toLocaleTimeString([], { hour12: false }); };
  tick();
  return setInterval(tick, 1000);
}
