// The video walls' salvos as buttons, on the crisis page and in the console: one click (or
// Enter, or Space) puts a saved layout back on its wall. The server decides who may.
import { api, clearError, showError } from "./api.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";

function modeName(mode) {
  const key = `crisis.salvos.mode.${mode}`;
  const text = t(key);
  return text === key ? mode : text;
}

/**
 * Draw every wall with its salvo buttons into `root`. `announce(text)` tells what was recalled
 * (a live region); `hideWhenEmpty` hides `root` while no wall has a salvo (the console's bar).
 * Returns {reload}.
 */
export function salvoButtons(root, { announce = null, hideWhenEmpty = false, heading = "h3" } = {}) {
  let drawing = null;
  // Without a page's own live region, the buttons say what they did in one of their own (there
  // before anything is said in it, or screen readers miss the first message).
  const status = announce ? null : el("span", { class: "salvo-status", role: "status" });
  const tell = announce || ((text) => { status.textContent = text; });

  async function recall(wall, name, button) {
    const group = button.parentElement;
    button.disabled = true;
    try {
      await api(`/api/walls/${encodeURIComponent(wall.id)}/salvos/${encodeURIComponent(name)}/recall`, {
        method: "POST",
      });
      clearError(group);
      tell(t("crisis.salvos.recalled", { name, wall: wall.name }));
    } catch (error) {
      showError(group, error);
    } finally {
      button.disabled = false;
    }
  }

  function wallNode(wall, salvos) {
    const title = t("crisis.salvos.wall", { name: wall.name, mode: modeName(wall.mode) });
    const buttons = salvos.map((salvo) => {
      const label = t("crisis.salvos.recall", { name: salvo.name, wall: wall.name });
      const button = el("button", {
        type: "button", class: "salvo", "data-wall": wall.id, "data-salvo": salvo.name, "aria-label": label, title: label,
      }, salvo.name);
      button.addEventListener("click", () => recall(wall, salvo.name, button));
      return button;
    });
    const body = buttons.length
      ? el("div", { class: "salvo-buttons", role: "group", "aria-label": title }, ...buttons)
      : el("p", { class: "salvo-none" }, t("crisis.salvos.none"));
    return el("section", { class: "salvo-wall", "data-wall": wall.id }, el(heading, {}, title), body);
  }

  async function draw() {
    const walls = await api("/api/walls");
    const lists = await Promise.all(walls.map((w) => api(`/api/walls/${encodeURIComponent(w.id)}/salvos`)));
    const shown = hideWhenEmpty ? walls.filter((_, i) => lists[i].length) : walls;
    const nodes = shown.map((wall) => wallNode(wall, lists[walls.indexOf(wall)]));
    if (!nodes.length && !hideWhenEmpty) nodes.push(el("p", { class: "salvo-none" }, t("crisis.salvos.no_walls")));
    // Keep the keyboard where it was: redraw, then focus the same salvo button again.
    const focused = root.contains(document.activeElement) ? document.activeElement.dataset : null;
    root.replaceChildren(...nodes, ...(status ? [status] : []));
    if (hideWhenEmpty) root.hidden = nodes.length === 0;
    if (focused && focused.salvo) {
      const again = [...root.querySelectorAll("button.salvo")]
        .find((b) => b.dataset.wall === focused.wall && b.dataset.salvo === focused.salvo);
      if (again) again.focus();
    }
  }

  return {
    /** Read the walls and their salvos again (one reading at a time). */
    async reload() {
      if (!drawing) drawing = draw().finally(() => { drawing = null; });
      try {
        await drawing;
      } catch (error) {
        if (error.status !== 0 && error.status !== 401) showError(root, error);
      }
    },
  };
}
