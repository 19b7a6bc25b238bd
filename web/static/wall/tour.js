// A tour tile on the wall: a site tour's cameras in turn, each for its dwell time. No timer runs on
// the server: the camera on at any moment follows from the tile's start and the tour's dwell
// (as crisis.tours.tour_step works it out), so every display of the wall shows the same camera.
// Each change of camera ends the old live session before the new one starts.
import { cameraBadge } from "/static/common/camera_badge.js";
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { liveTile } from "/static/common/whep.js";

/** Index of the camera on at nowMs: its turn, or the next usable one after it; -1 if none is. */
export function tourStep(cameras, startedMs, dwellS, nowMs, usable) {
  if (!cameras.length) return -1;
  const elapsed = Math.max(0, nowMs - startedMs) / 1000;
  const turn = Math.floor(elapsed / dwellS) % cameras.length;
  for (let ahead = 0; ahead < cameras.length; ahead += 1) {
    const index = (turn + ahead) % cameras.length;
    if (usable(cameras[index])) return index;
  }
  return -1;
}

/**
 * Run `tour` ({name, dwell_s, cameras}) on the tile `node` from `tile.tour_started_at`.
 * `cameras` maps ids to /api/cameras entries (name, status); `whepPath(id)` is the wall's WHEP
 * endpoint for a camera. Returns {stop, recheck}: recheck() after a camera's status changed.
 */
export function tourTile(node, tile, tour, { cameras, whepPath }) {
  const started = Date.parse(tile.tour_started_at);
  const dwellMs = tour.dwell_s * 1000;
  // A camera offline at its turn is skipped, as on the server (an unknown state is tried).
  const usable = (id) => (cameras.get(id)?.status ?? "online") !== "offline";
  node.dataset.tour = tile.tour_id;
  let shown = null; // {index, stop}
  let timer = null;

  const play = (index) => {
    const id = tour.cameras[index];
    const camera = cameras.get(id);
    const text = t("wall.tour.caption", {
      tour: tour.name, camera: camera ? camera.name : id, step: index + 1, count: tour.cameras.length,
    });
    node.append(el("span", { class: "status" }));
    cameraBadge(node, camera);
    return liveTile(node, whepPath(id), text, "label tour");
  };

  const show = () => {
    const index = tourStep(tour.cameras, started, tour.dwell_s, Date.now(), usable);
    if (shown && shown.index === index) return;
    if (shown) shown.stop();
    node.replaceChildren();
    delete node.dataset.status;
    if (index < 0) node.append(el("div", { class: "text" }, t("wall.tour.none", { tour: tour.name })));
    shown = { index, stop: index < 0 ? () => {} : play(index) };
    node.dataset.camera = index < 0 ? "" : tour.cameras[index];
    node.dataset.step = String(index + 1);
  };

  const tick = () => {
    show();
    // Wake at the next turn's boundary, on the wall's shared schedule.
    const elapsed = Math.max(0, Date.now() - started);
    const next = started + (Math.floor(elapsed / dwellMs) + 1) * dwellMs;
    timer = setTimeout(tick, Math.max(50, next - Date.now() + 20));
  };
  tick();

  return {
    stop() {
      clearTimeout(timer);
      if (shown) shown.stop();
      shown = null;
    },
    recheck: show,
  };
}
