// The EXERCICE marks: a red badge on an exercise's incident or alarm, and a page-wide red banner
// while an exercise runs, so that nobody takes a drill for the real watch (console and walls).
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";

const POLL_MS = 15000; // the banner also refreshes at once when an exercise's incident arrives

/** The badge of an incident or alarm injected by an exercise; null for the real watch's. */
export function exerciseBadge(item) {
  if (!item || !item.exercise) return null;
  return el("span", { class: "exercise-badge", title: t("exercises.badge.title", { title: item.exercise.title }) },
    t("exercises.banner"));
}

/** The page-wide banner, kept to the exercises under way; `refresh` reads them again. */
export function exerciseBanner(parent = document.body, { overlay = false } = {}) {
  const kind = overlay ? "exercise-banner overlay" : "exercise-banner"; // a wall: over its tiles
  const banner = el("div", { id: "exercise-banner", class: kind, role: "status", hidden: true });
  parent.prepend(banner);
  async function refresh() {
    try {
      const running = await api("/api/exercises?running=true");
      banner.textContent = running.map((e) => t("exercises.banner.running", { title: e.title })).join(" · ");
      banner.hidden = running.length === 0;
      document.body.classList.toggle("exercise-running", running.length > 0);
    } catch (_error) {
      // Kept as it was: the connection banner already tells of a server out of reach.
    }
  }
  refresh();
  setInterval(refresh, POLL_MS);
  return { refresh };
}
