// The desk's own layout: a camera dragged onto a tile (from the camera strip or the map) takes that
// tile; by keyboard, 'r' on a tile chooses it, then Enter on a camera of the strip. The layout is
// kept in the user's account (preferences.js) and comes back on the next visit, at any desk,
// without the cameras the user may no longer see.
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { preferences, setPreferences } from "/static/common/preferences.js";

const DRAG_TYPE = "application/x-csu-camera";
const MAP_DRAG_PX = 8; // less is a click on the map's camera, not a drag

/** The tiles' cameras with `id` on tile `index`; a camera already on another tile swaps with it. */
export function placed(visible, index, id) {
  const layout = [...visible];
  const before = layout.indexOf(id);
  if (before >= 0 && before !== index) layout[before] = layout[index];
  layout[index] = id;
  return layout;
}

/** The saved layout's cameras that are still in `cameras` (a Map of those the user may see). */
export function restorable(ids, cameras) {
  return Array.isArray(ids) ? ids.filter((id) => typeof id === "string" && cameras.has(id)) : [];
}

/** Put camera `id` on tile `index` of the grid: the grid then holds an explicit layout. */
export function placeOnTile(grid, index, id) {
  if (!grid.cameras.has(id)) return false; // never a camera outside this user's /api/cameras list
  const visible = grid.visible();
  if (index < 0 || index >= visible.length) return false;
  grid.show(placed(visible, index, id), t("desk.layout.label"), { highlight: false });
  return true;
}

function tileNodes(gridNode) {
  return [...gridNode.querySelectorAll(".cam")];
}

/** The camera strip above the grid, dropping onto tiles, and dragging the map's cameras. */
export class DeskLayout {
  constructor(grid, gridNode, anchor, mapPane) {
    this.grid = grid;
    this.gridNode = gridNode;
    this.target = null; // the tile chosen by keyboard, waiting for a camera
    this.restored = false;
    this.strip = el("div", { id: "desk-cameras", role: "group", "aria-label": t("desk.layout.strip") });
    this.status = el("span", { id: "desk-status", class: "visually-hidden", role: "status" });
    anchor.after(this.strip, this.status);
    this.listenTiles();
    this.listenMap(mapPane);
  }

  /** The cameras this user may see, as draggable buttons; the first time, their saved layout. */
  setCameras(list) {
    this.restore();
    this.strip.replaceChildren(...list.map((camera) => {
      const b = el("button", { type: "button", draggable: "true", "data-camera": camera.id }, camera.name);
      b.addEventListener("dragstart", (event) => {
        event.dataTransfer.setData(DRAG_TYPE, camera.id);
        event.dataTransfer.setData("text/plain", camera.name);
        event.dataTransfer.effectAllowed = "copy";
      });
      b.addEventListener("click", () => this.chosen(camera.id));
      b.addEventListener("keydown", (event) => { if (event.key === "Escape") this.cancel(); });
      return b;
    }));
  }

  /** Once, when the cameras first arrive (not after a reconnection, which keeps what is shown);
   * the account's preferences are loaded before the first cameras are asked for. */
  restore() {
    if (this.restored) return;
    this.restored = true;
    const ids = restorable(preferences().desk_layout, this.grid.cameras);
    if (ids.length) this.grid.show(ids, t("desk.layout.label"), { highlight: false });
  }

  /** A camera of the strip was chosen: onto the tile chosen first, else shown alone. */
  chosen(id) {
    if (this.target == null) return this.grid.show([id], this.grid.cameras.get(id).name);
    this.place(this.target, id);
  }

  place(index, id) {
    this.cancel();
    if (!placeOnTile(this.grid, index, id)) return;
    setPreferences({ desk_layout: this.grid.visible() });
    this.status.textContent = t("desk.layout.placed", { camera: this.grid.cameras.get(id).name, tile: index + 1 });
    const tile = tileNodes(this.gridNode)[index];
    if (tile) tile.focus();
  }

  /** Keyboard: this tile waits for a camera from the strip. */
  chooseTile(index) {
    this.cancel();
    const tile = tileNodes(this.gridNode)[index];
    if (!tile || !this.strip.firstChild) return;
    this.target = index;
    tile.classList.add("drop-target");
    this.status.textContent = t("desk.layout.choose_camera", { tile: index + 1 });
    this.strip.firstChild.focus();
  }

  cancel() {
    this.target = null;
    for (const tile of tileNodes(this.gridNode)) tile.classList.remove("drop-target");
  }

  listenTiles() {
    const tileAt = (event) => event.target.closest && event.target.closest("#grid .cam");
    this.gridNode.addEventListener("dragover", (event) => {
      const tile = tileAt(event);
      if (!tile || !event.dataTransfer.types.includes(DRAG_TYPE)) return;
      event.preventDefault(); // this tile accepts the camera
      event.dataTransfer.dropEffect = "copy";
      this.hover(tile);
    });
    this.gridNode.addEventListener("dragleave", (event) => { if (tileAt(event)) this.hover(null); });
    this.gridNode.addEventListener("drop", (event) => {
      const tile = tileAt(event);
      const id = event.dataTransfer.getData(DRAG_TYPE);
      this.hover(null);
      if (!tile || !id) return;
      event.preventDefault();
      this.place(tileNodes(this.gridNode).indexOf(tile), id);
    });
    this.gridNode.addEventListener("keydown", (event) => {
      const tile = tileAt(event);
      if (event.key !== "r" || !tile || event.ctrlKey || event.altKey || event.metaKey) return;
      event.preventDefault();
      this.chooseTile(tileNodes(this.gridNode).indexOf(tile));
    });
  }

  hover(tile) {
    for (const node of tileNodes(this.gridNode)) node.classList.toggle("drop-hover", node === tile);
  }

  listenMap(mapPane) {
    // The map's cameras are SVG, which HTML drag and drop does not carry: followed by pointer.
    let drag = null;
    mapPane.addEventListener("pointerdown", (event) => {
      const camera = event.target.closest('[data-kind="camera"]');
      if (camera && event.button === 0) drag = { id: camera.dataset.id, x: event.clientX, y: event.clientY, moving: false };
    });
    document.addEventListener("pointermove", (event) => {
      if (!drag) return;
      drag.moving ||= Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > MAP_DRAG_PX;
      if (!drag.moving) return;
      document.body.classList.add("dragging-camera");
      const under = document.elementFromPoint(event.clientX, event.clientY);
      this.hover(under && under.closest("#grid .cam"));
    });
    document.addEventListener("pointerup", (event) => {
      const was = drag;
      drag = null;
      document.body.classList.remove("dragging-camera");
      this.hover(null);
      if (!was || !was.moving) return;
      const under = document.elementFromPoint(event.clientX, event.clientY);
      const tile = under && under.closest("#grid .cam");
      if (tile) this.place(tileNodes(this.gridNode).indexOf(tile), was.id);
    });
  }
}
