// The desk's camera groups (a district, a commune, the station): one choice shows a group's cameras.
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";

/** A select before `anchor` listing the site's groups (GET /api/site/desk, within this user's cameras). */
export class GroupChooser {
  constructor(grid, anchor) {
    this.grid = grid;
    this.groups = [];
    this.select = el("select", { id: "grid-group", "aria-label": t("desk.group.choose"), title: t("desk.group.choose") });
    this.select.addEventListener("change", () => this.showChosen());
    anchor.before(this.select);
    this.fill();
    // Whatever else changes the grid (an incident's cameras, all cameras) ends the group's choice.
    new MutationObserver(() => { if (grid.title.textContent !== this.label) this.clear(); })
      .observe(grid.title, { childList: true, characterData: true, subtree: true });
  }

  /** The groups this user may use (each already holds only cameras they may see). */
  setGroups(groups) {
    this.groups = groups;
    this.fill();
  }

  /** A group's id -> its cameras still in this user's /api/cameras list. */
  camerasOf(id) {
    const group = this.groups.find((g) => g.id === id);
    return group ? group.cameras.filter((camera) => this.grid.cameras.has(camera)) : [];
  }

  fill() {
    const chosen = this.select.value;
    this.select.replaceChildren(el("option", { value: "" }, t("desk.group.none")),
      ...this.groups.map((g) => el("option", { value: g.id, selected: g.id === chosen }, g.name)));
    this.select.hidden = !this.groups.length;
  }

  showChosen() {
    const group = this.groups.find((g) => g.id === this.select.value);
    if (!group) return this.grid.showAll();
    this.label = t("desk.group.label", { group: group.name });
    this.grid.show(this.camerasOf(group.id), this.label, { highlight: false });
  }

  /** The grid shows something else now (all cameras, an incident's, a layout): no group chosen. */
  clear() {
    this.label = null;
    this.select.value = "";
  }
}
