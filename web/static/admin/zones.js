// The privacy-zone editor: the camera's masked snapshot, its zones as polygons, new ones drawn
// with clicks in normalised image coordinates (0..1), saved with PUT and a reason. A save that
// would unmask anything is only a request until a second person confirms it. Errors show by
// the control.
//
// A PTZ dome keeps its zones on its pan/tilt map, not on a picture: the server says where the
// dome looks now (only while it stands still) and outlines each zone on that picture. New zones
// are drawn on the snapshot and sent with the pose it was taken at; the server puts them on the
// map. Zones out of this view are kept and listed; none can be drawn while the pose is unknown.
import { api, clearError, showError } from "/static/common/api.js";
import { formatNumber, t } from "/static/common/i18n.js";
import { localTime } from "/static/oversight/gate.js";
import { describeChange } from "/static/oversight/zone_changes.js";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const state = {
  camera: null, space: "picture", zones: [], outlines: null, pose: null, poseUnknown: null,
  drawn: [], draft: [], selected: null, hovered: null, edited: false, snapshotUrl: null,
};

function round(value) {
  return Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000;
}

function shape(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function pointsText(points) {
  return points.map(([x, y]) => `${x},${y}`).join(" ");
}

/** Every zone as the editor lists it: its outline on this picture (null: not seen here). */
function entries() {
  if (state.space !== "map") {
    return state.zones.map((zone, index) => ({
      outline: zone,
      label: `${t("admin.zones.zone", { n: index + 1, count: zone.length, corners: corners(zone) })} `,
      remove: () => state.zones.splice(index, 1),
    }));
  }
  const kept = state.zones.map((zone, index) => {
    const outline = state.outlines ? state.outlines[index] : null;
    const where = t(outline ? "admin.zones.in_view" : state.pose ? "admin.zones.out_of_view" : "admin.zones.not_shown");
    const label = `${t("admin.zones.map_zone", { n: index + 1, where })} `;
    return { outline, label, remove: () => state.zones.splice(index, 1) };
  });
  const drawn = state.drawn.map((zone, index) => ({
    outline: zone,
    fresh: true,
    label: `${t("admin.zones.new_zone", { n: kept.length + index + 1 })} `,
    remove: () => state.drawn.splice(index, 1),
  }));
  return [...kept, ...drawn];
}

function corners(zone) {
  return zone.map(([x, y]) => t("admin.zones.corner", { x: decimals(x, 2), y: decimals(y, 2) })).join(" ");
}

function decimals(value, digits) {
  return formatNumber(value, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function render() {
  const all = entries();
  renderOverlay(all);
  $("zone-list").replaceChildren(...all.map(zoneItem));
  $("zone-close").disabled = state.draft.length < 3;
  $("zone-undo").disabled = state.draft.length === 0;
  $("zone-cancel").disabled = state.draft.length === 0;
  $("zone-delete").disabled = state.selected === null;
  renderSpace();
}

function renderOverlay(all) {
  const overlay = $("zone-overlay");
  const nodes = [];
  all.forEach((entry, index) => {
    if (!entry.outline) return;
    const classes = ["zone"];
    if (entry.fresh) classes.push("new");
    if (index === state.selected) classes.push("selected");
    else if (index === state.hovered) classes.push("hovered");
    const polygon = shape("polygon", { class: classes.join(" "), points: pointsText(entry.outline), "data-index": index });
    polygon.addEventListener("click", (event) => pick(event, index));
    nodes.push(polygon);
  });
  if (state.draft.length) {
    const tag = state.draft.length > 2 ? "polygon" : "polyline";
    nodes.push(shape(tag, { class: "draft", points: pointsText(state.draft) }));
  }
  overlay.replaceChildren(...nodes);
  overlay.dataset.zones = String(all.length);
  overlay.dataset.draft = String(state.draft.length);
  overlay.dataset.space = state.space;
  overlay.dataset.pose = state.space === "map" ? (state.pose ? "known" : "unknown") : "";
}

function renderSpace() {
  const words = $("zone-space");
  words.hidden = state.space !== "map";
  if (words.hidden) return;
  const pose = state.pose;
  const where = pose
    ? t("admin.zones.pose", { pan: decimals(pose.pan_deg, 1), tilt: decimals(pose.tilt_deg, 1), fov: decimals(pose.fov_deg, 1) })
    : t("admin.zones.no_pose", { why: state.poseUnknown || t("admin.zones.pose_unknown") });
  words.textContent = `${t("admin.zones.dome")} ${where}`;
  words.classList.toggle("pending", !pose);
}

function zoneItem(entry, index) {
  const item = document.createElement("li");
  item.dataset.index = String(index);
  if (index === state.selected) item.classList.add("selected");
  item.append(entry.label);
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger delete-zone";
  remove.textContent = t("admin.zones.delete");
  remove.addEventListener("click", () => deleteEntry(index));
  // Hovering a zone in the list shows which polygon it is; a click selects it.
  item.addEventListener("mouseenter", () => { state.hovered = index; renderOverlay(entries()); });
  item.addEventListener("mouseleave", () => { state.hovered = null; renderOverlay(entries()); });
  item.addEventListener("click", (event) => { if (event.target !== remove) select(index); });
  item.append(remove);
  return item;
}

function select(index) {
  state.selected = state.selected === index ? null : index;
  render();
}

function deleteEntry(index) {
  const entry = entries()[index];
  if (!entry) return;
  entry.remove();
  state.edited = true;
  state.selected = null;
  state.hovered = null;
  render();
}

function pick(event, index) {
  // A click on a zone selects it, unless a new zone is being drawn (then it is a corner).
  if (state.draft.length) return;
  event.stopPropagation();
  select(index);
}

function showPicture(url) {
  const image = $("zone-snapshot");
  return new Promise((resolve, reject) => {
    image.onload = resolve;
    image.onerror = () => reject(new Error(t("admin.zones.undecodable")));
    image.src = url;
  });
}

async function fetchSnapshot() {
  const response = await api(`/api/cameras/${encodeURIComponent(state.camera)}/snapshot.jpg`, { raw: true });
  const url = URL.createObjectURL(await response.blob());
  await showPicture(url);
  if (state.snapshotUrl) URL.revokeObjectURL(state.snapshotUrl);
  state.snapshotUrl = url;
  $("zone-snapshot").dataset.loadedAt = String(Date.now());
}

function zonesUrl() {
  return `/api/cameras/${encodeURIComponent(state.camera)}/privacy-zones`;
}

function samePose(a, b) {
  return Boolean(a && b) && ["pan_deg", "tilt_deg", "fov_deg", "aspect"].every((k) => a[k] === b[k]);
}

function take(answer, pose) {
  state.space = answer.space;
  state.zones = answer.zones;
  state.pose = pose;
  state.outlines = pose ? answer.outlines : null;
  state.poseUnknown = answer.pose_unknown;
  state.drawn = [];
  state.draft = [];
  state.selected = null;
  state.edited = false;
}

/** The zones and a fresh snapshot; for a dome, the pose only if it is the same before and after
 * the snapshot was taken (the dome stood still all along, so the picture is at that pose). */
async function load() {
  const select = $("zone-camera");
  try {
    const before = await api(zonesUrl());
    await refreshSnapshot();
    if (before.space !== "map") {
      take(before, null);
    } else {
      const after = await api(zonesUrl());
      const still = samePose(before.pose, after.pose);
      take(after, still ? after.pose : null);
      if (!still && after.pose) state.poseUnknown = t("admin.zones.pose_moved");
    }
    clearError(select);
  } catch (error) {
    take({ space: "picture", zones: [], pose_unknown: null }, null);
    showError(select, error);
  }
  render();
}

async function refreshSnapshot() {
  const button = $("zone-refresh");
  try {
    await fetchSnapshot();
    clearError(button);
  } catch (error) {
    showError(button, error);
  }
}

async function refresh() {
  // A fixed camera's picture does not move: its zones being edited stay. A dome's new zones
  // belong to the picture they were drawn on, so a new picture starts again from the server.
  if (state.space !== "map") {
    await refreshSnapshot();
    return;
  }
  const discarded = state.edited;
  await load();
  if (discarded) {
    $("zone-status").textContent = t("admin.zones.discarded");
    $("zone-status").className = "pending";
  }
}

/** Open the editor on a camera: its zones and a fresh masked snapshot. */
export async function editCamera(cameraId) {
  state.camera = cameraId;
  $("zone-camera").value = cameraId;
  $("zone-status").textContent = "";
  await load();
}

function addPoint(event) {
  const box = $("zone-overlay").getBoundingClientRect();
  if (!box.width || !box.height) return;
  if (state.space === "map" && !state.pose) {
    const why = state.poseUnknown || t("admin.zones.pose_unknown");
    showError($("zone-stage"), new Error(t("admin.zones.cannot_draw", { why })));
    return;
  }
  clearError($("zone-stage"));
  state.selected = null;
  state.draft.push([round((event.clientX - box.left) / box.width), round((event.clientY - box.top) / box.height)]);
  render();
}

function closeDraft() {
  if (state.draft.length < 3) return;
  if (state.space === "map") state.drawn.push(state.draft);
  else state.zones.push(state.draft);
  state.draft = [];
  state.edited = true;
  render();
}

function tellOutcome(answer) {
  const status = $("zone-status");
  if (answer.state === "pending") {
    const change = answer.change;
    const until = localTime(change.expires_at);
    status.textContent = t("admin.zones.pending", { description: describeChange(change), until });
    status.className = "pending";
    status.dataset.change = change.id;
  } else {
    status.textContent = t("admin.zones.saved");
    status.className = "muted";
    delete status.dataset.change;
  }
  if (answer.notes && answer.notes.length) status.textContent += ` ${answer.notes.join(" ")}`;
}

function saveBody(reason) {
  if (state.space !== "map" || !state.drawn.length) return { zones: state.zones, reason };
  return { zones: state.zones, drawn: state.drawn, pose: state.pose, reason };
}

async function save(onSaved) {
  const button = $("zone-save");
  const reason = $("zone-reason").value.trim();
  if (state.draft.length) {
    showError(button, new Error(t("admin.zones.draft_open")));
    return;
  }
  if (!reason) {
    showError(button, new Error(t("admin.zones.reason_required")));
    return;
  }
  button.disabled = true;
  try {
    const answer = await api(zonesUrl(), { method: "PUT", body: saveBody(reason) });
    // Pending or applied, the answer holds the zones in force now (a dome's outlines follow).
    take({ ...answer, outlines: null, pose_unknown: t("admin.zones.pose_reading") }, null);
    $("zone-reason").value = "";
    clearError(button);
    tellOutcome(answer);
    button.dataset.saved = String(Date.now());
    button.dataset.state = answer.state;
    render();
    onSaved();
    // The new masks are burned in from the next frame: fetch one (and, for a dome, the
    // outlines of its zones at the dome's pose). A pending change leaves the picture as it is.
    if (answer.state === "applied" || answer.space === "map") setTimeout(load, 400);
  } catch (error) {
    showError(button, error);
  } finally {
    button.disabled = false;
  }
}

/** Wire the editor to the page; onSaved runs after every successful save. */
export function setUpZoneEditor(cameras, onSaved) {
  const select = $("zone-camera");
  select.replaceChildren(...cameras.map((c) => new Option(`${c.name} (${c.id})`, c.id)));
  select.addEventListener("change", () => editCamera(select.value));
  $("zone-refresh").addEventListener("click", refresh);
  $("zone-overlay").addEventListener("click", addPoint);
  $("zone-close").addEventListener("click", closeDraft);
  $("zone-undo").addEventListener("click", () => { state.draft.pop(); render(); });
  $("zone-cancel").addEventListener("click", () => { state.draft = []; render(); });
  $("zone-delete").addEventListener("click", () => { if (state.selected !== null) deleteEntry(state.selected); });
  $("zone-save").addEventListener("click", () => save(onSaved));
  render();
}
