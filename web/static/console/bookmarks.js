// Bookmarks in the playback panel: mark the picture shown with a note (the server logs it with the
// playback right), list the range's bookmarks (that listing is logged too) and jump to one.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatTime, t } from "/static/common/i18n.js";

/** The bookmarks of one camera over a range { start, end } (GET /api/bookmarks: logged). */
export function readBookmarks(cameraId, range) {
  const query = new URLSearchParams({ camera_id: cameraId, start: range.start.toISOString(), end: range.end.toISOString() });
  return api(`/api/bookmarks?${query}`);
}

/** `hooks`: current() -> { cameraId, start, end }, pictureTime() -> Date | null, seek(Date),
 * changed(bookmarks) after each read. */
export class BookmarkTools {
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.items = [];
    this.note = el("input", {
      type: "text", maxlength: "2000", "data-control": "bookmark-note",
      placeholder: t("playback_tools.bookmark_note"), "aria-label": t("playback_tools.bookmark_note"),
    });
    const add = el("button", { "data-control": "bookmark-add" }, t("playback_tools.bookmark_add"));
    this.form = el("form", { class: "bookmark-form" }, this.note, add);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    this.list = el("ul", { class: "bookmark-list", "data-control": "bookmark-list", "aria-label": t("playback_tools.bookmarks") });
    root.replaceChildren(this.form, this.list);
  }

  /** The bookmarks of the camera over the range shown. */
  async load() {
    const { cameraId, ...range } = this.hooks.current();
    try {
      this.items = await readBookmarks(cameraId, range);
      clearError(this.list);
    } catch (error) {
      this.items = [];
      showError(this.list, error);
    }
    this.draw();
  }

  /** Mark the picture shown now with the note typed. */
  async add() {
    const at = this.hooks.pictureTime();
    const note = this.note.value.trim();
    if (!at) return showError(this.form, t("playback_tools.bookmark_no_picture"));
    if (!note) return showError(this.form, t("playback_tools.bookmark_no_note"));
    const { cameraId } = this.hooks.current();
    try {
      await api("/api/bookmarks", { method: "POST", body: { camera_id: cameraId, at: at.toISOString(), note } });
      clearError(this.form);
      this.note.value = "";
    } catch (error) {
      return showError(this.form, error);
    }
    return this.load();
  }

  draw() {
    const rows = this.items.map((b) => {
      const at = new Date(b.at);
      const go = el("button", { type: "button", class: "link", "data-control": "bookmark-go", "data-at": b.at },
        formatTime(at, { seconds: true }));
      go.addEventListener("click", () => this.hooks.seek(at));
      return el("li", { "data-id": String(b.id) }, go, " ", el("span", { class: "note" }, b.note),
        " ", el("span", { class: "by" }, t("playback_tools.bookmark_by", { user: b.created_by })));
    });
    this.list.replaceChildren(...(rows.length ? rows : [el("li", { class: "empty" }, t("playback_tools.bookmark_none"))]));
    this.list.dataset.count = String(this.items.length);
    this.hooks.changed(this.items);
  }
}
