// The camera grid: live WHEP video of a page of cameras, with each camera's status.
import { cameraBadge } from "/static/common/camera_badge.js";
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { liveTile } from "/static/common/whep.js";

export const GRID_SIZES = [1, 4, 9, 16];
// A patrol supervisor's tablet shows one camera: the others would only cost it bandwidth.
const TABLET = window.matchMedia("(max-width: 1100px)");

/** A grid of live camera tiles; onPick(cameraId) runs when a tile is clicked. */
export class CameraGrid {
  constructor(grid, title, onPick) {
    this.grid = grid;
    this.title = title;
    this.onPick = onPick;
    this.cameras = new Map(); // id -> camera from /api/cameras
    this.tiles = new Map(); // id -> {node, stop}
    this.shown = { ids: null, label: t("console.grid.all"), highlight: new Set() };
    this.pageIndex = 0;
    this.large = null;
    this.size = 4;
    TABLET.addEventListener("change", () => this.render());
  }

  /** How many cameras a page shows (1, 4, 9 or 16; one on a tablet). */
  pageSize() {
    return TABLET.matches ? 1 : this.size;
  }

  /** Show pages of `size` cameras (1, 4, 9 or 16). */
  setSize(size) {
    if (!GRID_SIZES.includes(size)) return;
    this.size = size;
    this.pageIndex = 0;
    this.large = null;
    this.render();
  }

  /** The cameras this user may see (from GET /api/cameras). */
  setCameras(list) {
    this.cameras = new Map(list.map((camera) => [camera.id, camera]));
    this.render();
  }

  /** A camera's status changed (from WS /api/events). */
  status(id, status, reason) {
    const camera = this.cameras.get(id);
    if (camera) Object.assign(camera, { status, status_reason: reason });
    const tile = this.tiles.get(id);
    if (tile) this.badge(tile.node, camera || { status, status_reason: reason });
  }

  /** Every camera, a page at a time. */
  showAll() {
    this.shown = { ids: null, label: t("console.grid.all"), highlight: new Set() };
    this.pageIndex = 0;
    this.large = null;
    this.render();
  }

  /** Only these cameras (an incident's, outlined; a group's or a layout's with highlight false). */
  show(ids, label, { highlight = true } = {}) {
    this.shown = { ids: [...ids], label, highlight: new Set(highlight ? ids : []) };
    this.pageIndex = 0;
    this.large = null;
    this.render();
  }

  page(delta) {
    const pages = Math.max(1, Math.ceil(this.ids().length / this.pageSize()));
    this.pageIndex = (this.pageIndex + delta + pages) % pages;
    this.large = null;
    this.render();
  }

  /** Enlarge one camera (the first shown by default); again to go back. */
  toggleLarge(id = null) {
    const visible = this.visible();
    this.large = this.large ? null : id || visible[0] || null;
    this.render();
  }

  ids() {
    const all = this.shown.ids || [...this.cameras.keys()];
    return all.filter((id) => this.cameras.has(id));
  }

  /** The cameras on screen now. */
  visible() {
    if (this.large) return [this.large];
    const size = this.pageSize();
    return this.ids().slice(this.pageIndex * size, (this.pageIndex + 1) * size);
  }

  render() {
    const visible = this.visible();
    for (const [id, tile] of this.tiles) {
      if (!visible.includes(id)) {
        tile.stop();
        tile.node.remove();
        this.tiles.delete(id);
      }
    }
    const nodes = visible.map((id) => this.tile(id));
    this.grid.replaceChildren(...nodes);
    this.grid.classList.toggle("single", visible.length === 1);
    this.grid.dataset.size = String(this.large ? 1 : this.pageSize());
    const pages = Math.max(1, Math.ceil(this.ids().length / this.pageSize()));
    this.title.textContent = this.large
      ? t("console.grid.large", { camera: this.cameras.get(this.large).name })
      : (pages > 1 ? t("console.grid.page", { label: this.shown.label, page: this.pageIndex + 1, pages }) : this.shown.label);
    if (!nodes.length) this.grid.append(el("p", { class: "placeholder" }, t("console.grid.empty")));
  }

  tile(id) {
    let tile = this.tiles.get(id);
    if (!tile) {
      const camera = this.cameras.get(id);
      const node = el("section", { class: "cam", "data-camera": id, tabindex: "0" });
      node.append(el("span", { class: "status" }));
      const stop = liveTile(node, `/api/cameras/${encodeURIComponent(id)}/whep`, camera.name);
      node.addEventListener("click", () => this.onPick(id));
      tile = { node, stop };
      this.tiles.set(id, tile);
    }
    tile.node.classList.toggle("incident-camera", this.shown.highlight.has(id));
    this.badge(tile.node, this.cameras.get(id));
    return tile.node;
  }

  badge(node, camera) {
    cameraBadge(node, camera);
  }
}
