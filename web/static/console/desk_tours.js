// Camera tours ('séquences') on a desk tile: the site's tours, each camera on for its dwell time.
// A tour shows only cameras of this user's /api/cameras list (the server's rights decide that list).
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { placeOnTile } from "./desk_layout.js";

/** The next camera of `cameras` after position `from` that may be shown, else -1. */
export function nextStep(cameras, from, allowed, elsewhere) {
  const order = cameras.map((_, k) => (from + 1 + k) % cameras.length);
  const usable = order.filter((k) => allowed(cameras[k]));
  // A camera already on another tile would swap places with this one: taken only when no other is.
  const fresh = usable.find((k) => !elsewhere(cameras[k]));
  return fresh ?? usable[0] ?? -1;
}

/** A tour chooser before `anchor`: choosing a tour runs it on the chosen tile (tile 1 by default). */
export class DeskTours {
  constructor(grid, gridNode, anchor) {
    this.grid = grid;
    this.gridNode = gridNode;
    this.tours = [];
    this.running = null; // {tour, tile, step, timer}
    this.tile = 0; // the tile a tour starts on: the last one focused
    this.select = el("select", { id: "tour-choose", "aria-label": t("desk.tour.choose"), title: t("desk.tour.choose") });
    this.stopButton = el("button", { type: "button", id: "tour-stop", hidden: true }, t("desk.tour.stop"));
    this.select.addEventListener("change", () => (this.select.value ? this.start(this.select.value) : this.stop()));
    this.stopButton.addEventListener("click", () => this.stop());
    anchor.before(this.select, this.stopButton);
    gridNode.addEventListener("focusin", (event) => {
      const tile = event.target.closest(".cam");
      if (tile && !this.running) this.tile = this.tiles().indexOf(tile);
    });
    // The grid redraws its tiles (a page, a status, a drop): the badge follows the tour's tile.
    new MutationObserver(() => { if (this.running) this.mark(); }).observe(gridNode, { childList: true });
    this.fill();
  }

  /** The site's tours, each already within this user's cameras. */
  setTours(tours) {
    this.tours = tours;
    if (this.running) {
      const tour = tours.find((x) => x.id === this.running.tour.id);
      if (tour) this.running.tour = tour;
      else this.stop();
    }
    this.fill();
  }

  tiles() {
    return [...this.gridNode.querySelectorAll(".cam")];
  }

  fill() {
    const chosen = this.running ? this.running.tour.id : "";
    this.select.replaceChildren(el("option", { value: "" }, t("desk.tour.none")),
      ...this.tours.map((x) => el("option", { value: x.id, selected: x.id === chosen }, x.name)));
    this.select.hidden = !this.tours.length;
  }

  start(id) {
    const tour = this.tours.find((x) => x.id === id);
    if (!tour) return;
    this.stop();
    const tile = Math.min(this.tile, Math.max(0, this.tiles().length - 1));
    this.running = { tour, tile, step: -1, timer: null };
    this.select.value = id;
    this.stopButton.hidden = false;
    this.advance();
  }

  /** Put the tour's next camera on its tile, then wait its dwell time. */
  advance() {
    const run = this.running;
    if (!run) return;
    // Its tile is gone (fewer tiles a page, one camera enlarged): the tour ends rather than hide.
    if (run.tile >= this.grid.visible().length) return this.stop();
    const here = this.grid.visible()[run.tile];
    const shown = new Set(this.grid.visible());
    const step = nextStep(run.tour.cameras, run.step, (id) => this.grid.cameras.has(id),
      (id) => id !== here && shown.has(id));
    if (step < 0) return this.stop(); // none of its cameras may be seen now
    run.step = step;
    if (run.tour.cameras[step] !== here) placeOnTile(this.grid, run.tile, run.tour.cameras[step]);
    this.mark();
    run.timer = setTimeout(() => this.advance(), run.tour.dwell_s * 1000);
  }

  /** The touring tile says so (the tile's node follows its camera, so it is marked again each step). */
  mark() {
    for (const node of this.gridNode.querySelectorAll(".tour-badge")) node.remove();
    for (const node of this.tiles()) delete node.dataset.tour;
    const node = this.running && this.tiles()[this.running.tile];
    if (!node) return;
    node.dataset.tour = this.running.tour.id;
    node.append(el("span", { class: "tour-badge" }, t("desk.tour.badge", { tour: this.running.tour.name })));
  }

  stop() {
    if (this.running) clearTimeout(this.running.timer);
    this.running = null;
    this.mark();
    this.select.value = "";
    this.stopButton.hidden = true;
  }
}
