// A map people can move: zoom with the wheel, the buttons or + and -, pan by dragging or with
// the arrow keys, back to the whole site with 0; the view never leaves the site's area. Markers
// located beyond it (a CAP alert from abroad) are listed beside the map, not fitted into it.
import { el } from "./dom.js";
import { t } from "./i18n.js";
import { drawMap } from "./map.js";
import { MAX_ZOOM, clampCentre, siteArea, splitMarkers } from "./map_layout.js";

const STEP = 1.5;
const PAN_PX = 80;

export class MapPane {
  /** `node` holds the map; onSelect(kind, id) runs when a camera or a marker is chosen. */
  constructor(node, { onSelect = null } = {}) {
    this.node = node;
    this.onSelect = onSelect;
    this.zoom = 1;
    this.centre = null;
    this.scale = 1;
    this.data = { cameras: [], markers: [], settings: {} };
    this.surface = el("div", { class: "map-surface", tabindex: "0", role: "application",
      "aria-label": t("map.surface"), "aria-roledescription": t("map.roledescription") });
    const button = (label, key, action) => {
      const b = el("button", { type: "button", title: t(key), "aria-label": t(key) }, label);
      b.addEventListener("click", action);
      return b;
    };
    this.controls = el("div", { class: "map-controls" },
      button("+", "map.zoom_in", () => this.zoomBy(STEP)),
      button("−", "map.zoom_out", () => this.zoomBy(1 / STEP)),
      button("⌂", "map.whole_site", () => this.reset()));
    this.outside = el("aside", { class: "map-outside", hidden: true, "aria-live": "polite" });
    node.replaceChildren(this.surface, this.controls, this.outside);
    this.listen();
  }

  /** Draw again with new cameras, markers or settings; the view stays where the user left it. */
  update({ cameras, markers, settings }) {
    this.data = { cameras: cameras ?? this.data.cameras, markers: markers ?? this.data.markers, settings: settings ?? this.data.settings };
    this.render();
  }

  area() {
    return siteArea(this.data.cameras.filter((c) => c.location), this.data.settings.streets || []);
  }

  render() {
    const width = this.surface.clientWidth || this.node.clientWidth;
    const height = this.surface.clientHeight || this.node.clientHeight;
    const svg = drawMap({ ...this.data, onSelect: this.onSelect, width, height,
      view: { zoom: this.zoom, centre: this.centre } });
    this.scale = Number(svg.dataset.scale);
    svg.dataset.zoom = String(this.zoom);
    const focused = document.activeElement && this.surface.contains(document.activeElement) ? document.activeElement.dataset : null;
    this.surface.replaceChildren(svg);
    if (focused && focused.kind) {
      const again = svg.querySelector(`[data-kind="${focused.kind}"][data-id="${CSS.escape(focused.id)}"]`);
      if (again) again.focus(); // a redraw keeps the keyboard where it was
    }
    this.listOutside();
  }

  listOutside() {
    const { outside } = splitMarkers(this.data.markers, this.area());
    this.outside.hidden = outside.length === 0;
    if (!outside.length) return;
    const items = outside.map((marker) => {
      const b = el("button", { type: "button", "data-kind": marker.kind || "incident", "data-id": marker.id,
        class: `sev-${marker.severity || "low"}` }, marker.title || marker.label);
      if (this.onSelect) b.addEventListener("click", () => this.onSelect(marker.kind || "incident", marker.id));
      return el("li", {}, b);
    });
    this.outside.replaceChildren(el("h3", {}, t("map.outside", { count: outside.length })), el("ul", {}, ...items));
  }

  zoomBy(factor) {
    this.zoom = Math.max(1, Math.min(MAX_ZOOM, this.zoom * factor));
    if (this.zoom === 1) this.centre = null;
    this.render();
  }

  reset() {
    this.zoom = 1;
    this.centre = null;
    this.render();
  }

  /** Move the view by pixels (positive: show what lies right / below). */
  panBy(dx, dy) {
    const area = this.area();
    if (!area || this.zoom === 1) return;
    const [cx, cy] = this.centre || [(area.x0 + area.x1) / 2, (area.y0 + area.y1) / 2];
    this.centre = clampCentre(area, [cx + dx / this.scale, cy + dy / this.scale]);
    this.render();
  }

  listen() {
    this.surface.addEventListener("wheel", (event) => {
      event.preventDefault();
      this.zoomBy(event.deltaY < 0 ? STEP : 1 / STEP);
    }, { passive: false });
    let drag = null;
    this.surface.addEventListener("pointerdown", (event) => {
      if (event.target.closest("[data-kind]")) return; // a click on a camera or a marker
      drag = { x: event.clientX, y: event.clientY };
      this.surface.setPointerCapture(event.pointerId);
    });
    this.surface.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const [dx, dy] = [drag.x - event.clientX, drag.y - event.clientY];
      if (Math.abs(dx) + Math.abs(dy) < 4) return;
      drag = { x: event.clientX, y: event.clientY };
      this.panBy(dx, dy);
    });
    this.surface.addEventListener("pointerup", () => { drag = null; });
    const keys = {
      "+": () => this.zoomBy(STEP), "=": () => this.zoomBy(STEP), "-": () => this.zoomBy(1 / STEP),
      0: () => this.reset(),
      ArrowLeft: () => this.panBy(-PAN_PX, 0), ArrowRight: () => this.panBy(PAN_PX, 0),
      ArrowUp: () => this.panBy(0, -PAN_PX), ArrowDown: () => this.panBy(0, PAN_PX),
    };
    this.surface.addEventListener("keydown", (event) => {
      const action = keys[event.key];
      if (!action || event.ctrlKey || event.altKey || event.metaKey) return;
      event.preventDefault();
      event.stopPropagation(); // the console's own keys (arrows move the queue) stay out of it
      action();
    });
  }
}
