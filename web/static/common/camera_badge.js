// A camera tile's badge: the camera's own state as the server reports it (GET /api/cameras, then
// the camera events), never what the page guesses from its video; why video is missing is the
// tile's own line (whep.js).
import { t } from "./i18n.js";

const STATES = new Set(["online", "degraded", "offline"]);

/** Show `camera`'s state ({status, status_reason}) on the tile's `.status` badge. */
export function cameraBadge(node, camera) {
  const badge = node.querySelector(".status");
  const status = camera && STATES.has(camera.status) ? camera.status : "unknown";
  node.dataset.status = status;
  badge.textContent = t(`live.camera.${status}`);
  badge.title = (camera && camera.status_reason) || "";
}
