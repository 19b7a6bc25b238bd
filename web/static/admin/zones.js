// The privacy-zone editor: the camera's masked snapshot, its zones as polygons, new ones drawn
// with clicks in normalised image coordinates (0..1), saved with PUT and a reason. A save that
// would unmask anything is only a request until a second person confirms it. Errors show by
// the control.
import { api, clearError, showError } from "/static/common/api.js";
import { localTime } from "/static/oversight/gate.js";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const state = { camera: null, zones: [], draft: [], selected: null, snapshotUrl: null };

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

function render() {
  renderOverlay();
  $("zone-list").replaceChildren(...state.zones.map(zoneItem));
  $("zone-close").disabled = state.draft.length < 3;
  $("zone-undo").disabled = state.draft.length === 0;
  $("zone-cancel").disabled = state.draft.length === 0;
}

function renderOverlay() {
  const overlay = $("zone-overlay");
  const nodes = state.zones.map((zone, index) =>
    shape("polygon", {
      class: index === state.selected ? "zone selected" : "zone",
      points: pointsText(zone),
      "data-index": index,
    }),
  );
  if (state.draft.length) {
    const tag = state.draft.length > 2 ? "polygon" : "polyline";
    nodes.push(shape(tag, { class: "draft", points: pointsText(state.draft) }));
  }
  overlay.replaceChildren(...nodes);
  overlay.dataset.zones = String(state.zones.length);
  overlay.dataset.draft = String(state.draft.length);
}

function zoneItem(zone, index) {
  const item = document.createElement("li");
  item.dataset.index = String(index);
  const corners = zone.map(([x, y]) => `(${x.toFixed(2)}, ${y.toFixed(2)})`).join(" ");
  item.append(`Zone ${index + 1}: ${zone.length} corners ${corners} `);
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger delete-zone";
  remove.textContent = "Delete";
  remove.addEventListener("click", () => {
    state.zones.splice(index, 1);
    state.selected = null;
    render();
  });
  // Hovering a zone in the list shows which polygon it is (the list itself stays put).
  item.addEventListener("mouseenter", () => { state.selected = index; renderOverlay(); });
  item.addEventListener("mouseleave", () => { state.selected = null; renderOverlay(); });
  item.append(remove);
  return item;
}

async function loadSnapshot() {
  const button = $("zone-refresh");
  const image = $("zone-snapshot");
  try {
    const response = await api(`/api/cameras/${encodeURIComponent(state.camera)}/snapshot.jpg`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    await new Promise((resolve, reject) => {
      image.onload = resolve;
      image.onerror = () => reject(new Error("the snapshot could not be decoded"));
      image.src = url;
    });
    if (state.snapshotUrl) URL.revokeObjectURL(state.snapshotUrl);
    state.snapshotUrl = url;
    image.dataset.loadedAt = String(Date.now());
    clearError(button);
  } catch (error) {
    showError(button, error);
  }
}

async function loadZones() {
  const select = $("zone-camera");
  try {
    const answer = await api(`/api/cameras/${encodeURIComponent(state.camera)}/privacy-zones`);
    state.zones = answer.zones;
    state.draft = [];
    clearError(select);
  } catch (error) {
    state.zones = [];
    showError(select, error);
  }
  render();
}

/** Open the editor on a camera: its zones and a fresh masked snapshot. */
export async function editCamera(cameraId) {
  state.camera = cameraId;
  $("zone-camera").value = cameraId;
  $("zone-status").textContent = "";
  await Promise.all([loadZones(), loadSnapshot()]);
}

function addPoint(event) {
  const box = $("zone-overlay").getBoundingClientRect();
  if (!box.width || !box.height) return;
  state.draft.push([round((event.clientX - box.left) / box.width), round((event.clientY - box.top) / box.height)]);
  render();
}

function tellOutcome(answer) {
  const status = $("zone-status");
  if (answer.state === "pending") {
    const change = answer.change;
    status.textContent = `Not applied yet: ${change.description}. It awaits confirmation by another`
      + ` administrator or the privacy officer (until ${localTime(change.expires_at)}); the zones`
      + " in force stay masked meanwhile.";
    status.className = "pending";
    status.dataset.change = change.id;
  } else {
    status.textContent = "Saved: masked in every rendition from the next frame.";
    status.className = "muted";
    delete status.dataset.change;
  }
}

async function save(onSaved) {
  const button = $("zone-save");
  const reason = $("zone-reason").value.trim();
  if (state.draft.length) {
    showError(button, new Error("close or discard the polygon being drawn before saving"));
    return;
  }
  if (!reason) {
    showError(button, new Error("give the reason for this change: it is logged"));
    return;
  }
  button.disabled = true;
  try {
    const answer = await api(`/api/cameras/${encodeURIComponent(state.camera)}/privacy-zones`, {
      method: "PUT",
      body: { zones: state.zones, reason },
    });
    // Pending or applied, the answer holds the zones in force now.
    state.zones = answer.zones;
    $("zone-reason").value = "";
    clearError(button);
    tellOutcome(answer);
    button.dataset.saved = String(Date.now());
    button.dataset.state = answer.state;
    render();
    onSaved();
    // The new masks are burned in from the next frame: fetch one.
    if (answer.state === "applied") setTimeout(loadSnapshot, 400);
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
  $("zone-refresh").addEventListener("click", loadSnapshot);
  $("zone-overlay").addEventListener("click", addPoint);
  $("zone-close").addEventListener("click", () => {
    if (state.draft.length < 3) return;
    state.zones.push(state.draft);
    state.draft = [];
    render();
  });
  $("zone-undo").addEventListener("click", () => { state.draft.pop(); render(); });
  $("zone-cancel").addEventListener("click", () => { state.draft = []; render(); });
  $("zone-save").addEventListener("click", () => save(onSaved));
  render();
}
