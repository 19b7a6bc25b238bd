// An analytics event's masked snapshot, the track's box over it, its rule and time. Fetching it
// is a logged access to footage, so the incident view asks for it once per opening of the
// incident (never for queue entries, never again on a redraw).
import { api, ApiError } from "/static/common/api.js";
import { el, when } from "/static/common/dom.js";
import { alarmType, t } from "/static/common/i18n.js";

function plainWords(error) {
  if (error instanceof ApiError && error.status === 404) {
    return t("console.snapshot.gone");
  }
  if (error instanceof ApiError && error.status === 403) {
    return t("console.snapshot.forbidden", { reason: error.detail });
  }
  const words = error instanceof ApiError ? error.detail : String((error && error.message) || error);
  return t("console.snapshot.failed", { reason: words });
}

function percent(value) {
  return `${(Math.min(1, Math.max(0, value)) * 100).toFixed(3)}%`;
}

async function load(view, frame) {
  // fetch, not <img src>: a refusal's status and reason are only readable this way.
  try {
    const response = await api(`/api/analytics/events/${view.event_id}/snapshot.jpg`, { raw: true });
    const address = URL.createObjectURL(await response.blob());
    const image = el("img", { src: address, "data-control": "snapshot",
      alt: t("console.snapshot.alt", { kind: alarmType(`video.analytics.${view.kind}`), camera: view.camera_id }) });
    try {
      await image.decode();
    } finally {
      URL.revokeObjectURL(address);
    }
    const [x1, y1, x2, y2] = view.box;
    const box = el("div", { class: "box", "data-control": "snapshot-box", "aria-hidden": "true" });
    Object.assign(box.style, { left: percent(x1), top: percent(y1), width: percent(x2 - x1), height: percent(y2 - y1) });
    frame.replaceChildren(image, box);
    frame.dataset.state = "shown";
  } catch (error) {
    frame.replaceChildren(el("p", { class: "error-message", role: "alert" }, plainWords(error)));
    frame.dataset.state = error instanceof ApiError ? String(error.status) : "failed";
  }
}

/** A figure for one analytics alarm view (from GET /api/incidents/{id}); starts loading it. */
export function eventFigure(view) {
  const frame = el("div", { class: "snapshot", "data-state": "loading" },
    el("p", { class: "placeholder" }, t("console.snapshot.loading")));
  const caption = el("figcaption", {}, `${t("console.snapshot.rule", { rule: view.rule })} · `, when(view.occurred_at),
    ` · ${view.camera_id}`, view.track ? ` · ${t("console.snapshot.track", { track: view.track })}` : null);
  if (view.snapshot) {
    load(view, frame);
  } else {
    frame.dataset.state = "none";
    frame.replaceChildren(el("p", { class: "placeholder" }, t("console.snapshot.none")));
  }
  return el("figure", { class: "event", "data-event": view.event_id, "data-alarm": view.alarm_id }, frame, caption);
}
