// The desk's grid: 1, 4, 9 or 16 cameras a page, chosen by each user and kept in this browser.
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { GRID_SIZES } from "./cameras.js";

const LABELS = { 1: "1", 4: "2 × 2", 9: "3 × 3", 16: "4 × 4" };

/** A select before `anchor` that sets the grid's size; the user's last choice comes back. */
export function gridSizeControl(grid, anchor, username) {
  const key = `csu.grid.${username}`;
  const saved = Number(localStorage.getItem(key));
  if (GRID_SIZES.includes(saved)) grid.setSize(saved);
  const select = el("select", { id: "grid-size", "aria-label": t("desk.grid_size"), title: t("desk.grid_size") },
    ...GRID_SIZES.map((size) => el("option", { value: size, selected: size === grid.size }, LABELS[size])));
  select.addEventListener("change", () => {
    grid.setSize(Number(select.value));
    localStorage.setItem(key, select.value);
  });
  anchor.before(select);
  return select;
}
