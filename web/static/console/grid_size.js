// The desk's grid: 1, 4, 9 or 16 cameras a page, chosen by each user and kept in their account
// (preferences.js), so that the next desk they sign in at shows the same grid.
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { preferences, setPreferences } from "/static/common/preferences.js";
import { GRID_SIZES } from "./cameras.js";

const LABELS = { 1: "1", 4: "2 × 2", 9: "3 × 3", 16: "4 × 4" };

/** A select before `anchor` that sets the grid's size; the account's last choice comes back. */
export function gridSizeControl(grid, anchor) {
  const saved = preferences().grid_size;
  if (GRID_SIZES.includes(saved)) grid.setSize(saved);
  const select = el("select", { id: "grid-size", "aria-label": t("desk.grid_size"), title: t("desk.grid_size") },
    ...GRID_SIZES.map((size) => el("option", { value: size, selected: size === grid.size }, LABELS[size])));
  select.addEventListener("change", () => {
    grid.setSize(Number(select.value));
    setPreferences({ grid_size: Number(select.value) });
  });
  anchor.before(select);
  return select;
}
