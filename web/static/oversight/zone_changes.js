// Privacy-zone changes waiting for a second person, on the administrator's and the privacy
// officer's pages. Each shows the zones now, the zones asked for and what would no longer be
// masked: over the camera's masked snapshot for an administrator, over a blank frame for the
// privacy officer (who never sees video). Confirming or refusing asks why; the requester can
// only withdraw.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatNumber, language, t } from "/static/common/i18n.js";
import { localTime } from "/static/oversight/gate.js";

const SVG = "http://www.w3.org/2000/svg";

function shape(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function share(value) {
  // Never "0,0 %" for a real but tiny unmasked sliver: it is what the confirmer must see.
  if (value > 0 && value < 0.001) return t("oversight.describe.tiny");
  return formatNumber(value, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** A change in words, for whoever confirms it without seeing the camera. */
export function describeChange(change) {
  const zones = (list) => t("oversight.describe.zones", { count: list.length });
  const words = [t("oversight.describe.base", { before: zones(change.before), after: zones(change.after) })];
  const whole = change.space === "map" ? "oversight.describe.unmasked_map" : "oversight.describe.unmasked_picture";
  if (change.unmasked_share > 0) words.push(t(whole, { share: share(change.unmasked_share) }));
  if (change.masked_share > 0) words.push(t("oversight.describe.masked", { share: share(change.masked_share) }));
  return words.join(language === "fr" ? " ; " : "; ");
}

function polygons(zones, attrs) {
  return zones.map((zone) => shape("polygon", { ...attrs, points: zone.map(([x, y]) => `${x},${y}`).join(" ") }));
}

/** The two zone sets on one frame; the area the change would unmask is filled in warning colour. */
function drawing(change) {
  const maskId = `lost-${change.id}`;
  // SVG mask: white where masked now, black where still masked after: what is left is lost.
  const mask = shape(
    "mask",
    { id: maskId, maskUnits: "userSpaceOnUse", x: 0, y: 0, width: 1, height: 1 },
    shape("rect", { width: 1, height: 1, fill: "black" }),
    ...polygons(change.before, { fill: "white" }),
    ...polygons(change.after, { fill: "black" }),
  );
  return shape(
    "svg",
    { class: "change-overlay", viewBox: "0 0 1 1", preserveAspectRatio: "none" },
    shape("defs", {}, mask),
    ...polygons(change.before, { class: "now" }),
    shape("rect", { class: "lost", width: 1, height: 1, mask: `url(#${maskId})` }),
    ...polygons(change.after, { class: "after" }),
  );
}

async function showSnapshot(frame, cameraId) {
  // The administrator's own snapshot right: masked, and logged by the server like any snapshot.
  try {
    const response = await api(`/api/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg`, { raw: true });
    const image = el("img", { class: "change-snapshot", alt: t("oversight.changes.snapshot_alt") });
    image.src = URL.createObjectURL(await response.blob());
    image.addEventListener("load", () => URL.revokeObjectURL(image.src), { once: true });
    frame.classList.remove("blank");
    frame.prepend(image);
  } catch (error) {
    frame.after(el("p", { class: "muted" }, t("oversight.changes.no_snapshot", { why: error.detail || error.message })));
  }
}

function legend() {
  return el(
    "ul",
    { class: "change-legend" },
    el("li", { class: "now" }, t("oversight.changes.legend.now")),
    el("li", { class: "after" }, t("oversight.changes.legend.after")),
    el("li", { class: "lost" }, t("oversight.changes.legend.lost")),
  );
}

function decisionForm(change, me, onDecided) {
  const reason = el("input", { class: "decision-reason", maxlength: "1000", size: "40", placeholder: t("oversight.changes.reason_placeholder") });
  const form = el("form", { class: "row decide" }, el("label", {}, t("oversight.changes.reason"), reason));
  const mine = change.requested_by === me.username;
  // Buttons, not a submit: pressing Enter in the reason must never confirm by itself.
  const button = (verb, cls, text) => el("button", { type: "button", class: cls, "data-verb": verb }, text);
  const buttons = mine
    ? [button("refuse", "quiet refuse", t("oversight.changes.withdraw"))]
    : [button("confirm", "confirm", t("oversight.changes.confirm")), button("refuse", "danger refuse", t("oversight.changes.refuse"))];
  form.append(...buttons);
  if (mine) form.append(el("span", { class: "muted" }, t("oversight.changes.mine")));
  form.addEventListener("submit", (event) => event.preventDefault());
  const decide = async (verb) => {
    if (!reason.value.trim()) {
      showError(form, new Error(t("oversight.changes.reason_required")));
      return;
    }
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api(`/api/privacy-zone-changes/${encodeURIComponent(change.id)}/${verb}`, {
        method: "POST",
        body: { reason: reason.value.trim() },
      });
      clearError(form);
      await onDecided();
    } catch (error) {
      showError(form, error);
      buttons.forEach((b) => { b.disabled = false; });
    }
  };
  for (const b of buttons) b.addEventListener("click", () => decide(b.dataset.verb));
  return form;
}

function card(change, { me, cameraName, snapshot, onDecided }) {
  const frame = el("div", { class: "change-frame blank", "data-camera": change.camera_id, "data-space": change.space });
  frame.append(drawing(change));
  // A dome's zones are on its pan/tilt map, not on any one picture: no snapshot under them.
  const onMap = change.space === "map";
  if (snapshot && !onMap) showSnapshot(frame, change.camera_id);
  const where = onMap
    ? el("p", { class: "muted map-note" }, t("oversight.changes.map_note"))
    : null;
  return el(
    "article",
    { class: "zone-change", "data-change": change.id, "data-camera": change.camera_id },
    el(
      "h3",
      {},
      t("oversight.changes.heading", {
        camera: cameraName(change.camera_id), user: change.requested_by, at: localTime(change.requested_at),
      }),
    ),
    el("p", { class: "change-description" }, describeChange(change)),
    el("p", {}, t("oversight.changes.their_reason"), el("q", { class: "change-reason" }, change.reason)),
    el("p", { class: "muted" }, t("oversight.changes.expires", { at: localTime(change.expires_at) })),
    frame,
    where,
    legend(),
    decisionForm(change, me, onDecided),
  );
}

/**
 * Keep `container` listing the pending changes. Options: me ({username}), cameraName(id),
 * snapshot (draw over the masked snapshot: administrators only), onDecided (after a decision).
 * Returns a function that reloads the list.
 */
export function setUpZoneChanges(container, options) {
  const reload = async () => {
    try {
      const pending = await api("/api/privacy-zone-changes");
      clearError(container);
      const cards = pending.map((change) => card(change, { ...options, onDecided: decided }));
      container.replaceChildren(...(cards.length ? cards : [el("p", { class: "muted none" }, t("oversight.changes.none"))]));
      container.dataset.pending = String(pending.length);
    } catch (error) {
      showError(container, error);
    }
  };
  const decided = async () => {
    await reload();
    if (options.onDecided) await options.onDecided();
  };
  return reload;
}
