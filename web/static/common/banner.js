// The "connection lost" banner: visible while any connection (HTTP or a WebSocket) is down.
import { t } from "./i18n.js";

const lost = new Set();

function banner() {
  let node = document.getElementById("banner");
  if (!node) {
    node = document.createElement("div");
    node.id = "banner";
    node.setAttribute("role", "alert");
    node.hidden = true;
    node.textContent = t("common.connection_lost");
    document.body.prepend(node);
  }
  return node;
}

function render() {
  banner().hidden = lost.size === 0;
}

/** A connection (named by its source) is down: show the banner. */
export function connectionLost(source) {
  lost.add(source);
  render();
}

/** A connection is back: hide the banner once every connection is back. */
export function connectionBack(source) {
  if (!lost.delete(source)) return;
  render();
}

/** Whether some connection is down now. */
export function isOffline() {
  return lost.size > 0;
}
