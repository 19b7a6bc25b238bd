// The wall display: follows its wall's layout over a WebSocket and renders every tile.
// Camera tiles play live WHEP video through the wall's own endpoint (so the wall's rendition
// holds whoever is signed in); panels are read from the API. No controls: it runs by itself.
import { exerciseBadge, exerciseBanner } from "/static/common/exercise.js";
import { api, me } from "/static/common/api.js";
import { cameraBadge } from "/static/common/camera_badge.js";
import { el, tickClock, when } from "/static/common/dom.js";
import { languageSwitch, t } from "/static/common/i18n.js";
import { drawMap, mapConfig } from "/static/common/map.js";
import { entryText } from "/static/common/timeline_lines.js";
import { liveTile } from "/static/common/whep.js";
import { reconnectingSocket } from "/static/common/ws.js";
import { tourTile } from "/static/wall/tour.js";

const wallId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const root = document.getElementById("wall");
const tiles = new Map(); // "x,y,w,h" -> {el, signature, stop, refresh, recheck}
const cameras = new Map(); // camera id -> camera from /api/cameras
const PANEL_REFRESH_MS = 5000;
const RETRY_MS = 3000;
let state = null;

async function loadCameras() {
  const list = await api("/api/cameras");
  cameras.clear();
  for (const camera of list) cameras.set(camera.id, camera);
}

// --- rendering ------------------------------------------------------------------------------

function render(next) {
  state = next;
  const layout = next.layout;
  Object.assign(root.dataset, { wall: next.wall_id, version: next.version, mode: next.mode });
  root.style.gridTemplateColumns = `repeat(${layout.cols}, minmax(0, 1fr))`;
  root.style.gridTemplateRows = `repeat(${layout.rows}, minmax(0, 1fr))`;
  document.getElementById("wall-name").textContent = next.name;
  document.getElementById("wall-version").textContent = t("wall.version", { version: next.version });
  const seen = new Set();
  for (const tile of layout.tiles) {
    const key = `${tile.x},${tile.y},${tile.w},${tile.h}`;
    const tour = tile.tour_id ? [tile.tour_id, tile.tour_started_at, (next.tours || {})[tile.tour_id]] : null;
    const signature = JSON.stringify([tile.kind, tile.camera_id, tile.incident_id, tile.text, next.crisis_id, tour]);
    seen.add(key);
    let entry = tiles.get(key);
    if (entry && entry.signature === signature) {
      describe(entry.el, tile); // pinned or auto may change without new content
      continue;
    }
    if (entry) remove(key, entry);
    entry = build(tile, signature);
    tiles.set(key, entry);
    root.append(entry.el);
  }
  for (const [key, entry] of tiles) if (!seen.has(key)) remove(key, entry);
}

function remove(key, entry) {
  entry.stop();
  entry.el.remove();
  tiles.delete(key);
}

function describe(node, tile) {
  Object.assign(node.dataset, {
    kind: tile.kind,
    x: tile.x,
    y: tile.y,
    // A tour tile's camera is the one on now (tour.js keeps it).
    camera: tile.kind === "tour" ? node.dataset.camera || "" : tile.camera_id || "",
    incident: tile.incident_id ?? "",
    pinned: tile.pinned,
  });
  node.style.gridColumn = `${tile.x + 1} / span ${tile.w}`;
  node.style.gridRow = `${tile.y + 1} / span ${tile.h}`;
}

function build(tile, signature) {
  const node = el("section", { class: "tile" });
  describe(node, tile);
  const entry = { el: node, signature, stop: () => {}, refresh: null, recheck: null };
  if (tile.kind === "camera") entry.stop = cameraTile(node, tile);
  else if (tile.kind === "tour") Object.assign(entry, touring(node, tile));
  else if (tile.kind === "text") node.append(el("div", { class: "text" }, tile.text || ""));
  else if (tile.kind === "restricted") {
    node.append(el("div", { class: "text restricted" }, t("wall.restricted")));
  }
  else if (PANELS[tile.kind]) {
    entry.refresh = () => fill(node, tile);
    entry.refresh();
  }
  return entry;
}

// --- camera tiles: live WHEP video through the wall's endpoint --------------------------------

function whepPath(cameraId) {
  return `/api/walls/${encodeURIComponent(wallId)}/cameras/${encodeURIComponent(cameraId)}/whep`;
}

function cameraTile(node, tile) {
  const camera = cameras.get(tile.camera_id);
  const name = camera ? camera.name : tile.camera_id;
  const text = tile.incident_id ? t("wall.camera_incident", { camera: name, incident: tile.incident_id }) : name;
  node.append(el("span", { class: "status" }));
  cameraBadge(node, camera);
  if (tile.incident_id) markExercise(node, tile.incident_id);
  return liveTile(node, whepPath(tile.camera_id), text, tile.incident_id ? "label incident" : "label");
}

const exerciseOf = new Map(); // incident id -> its exercise mark, or null (real): asked once

async function markExercise(node, incidentId) {
  // An exercise's incident on a camera tile wears the red EXERCICE badge over its video.
  try {
    if (!exerciseOf.has(incidentId)) exerciseOf.set(incidentId, (await api(`/api/incidents/${incidentId}`)).exercise ?? null);
  } catch (_error) {
    return; // unreadable now: the next layout change asks again
  }
  const badge = exerciseBadge({ exercise: exerciseOf.get(incidentId) });
  if (badge && node.isConnected !== false) node.append(badge);
}

function touring(node, tile) {
  const tour = (state.tours || {})[tile.tour_id];
  if (!tour) return { stop: () => {} }; // the server describes every tour its reader may see
  return tourTile(node, tile, tour, { cameras, whepPath });
}

function cameraStatus(message) {
  // The camera's own state, from the console's event stream: the badge never guesses it.
  const camera = cameras.get(message.camera_id);
  if (camera) Object.assign(camera, { status: message.status, status_reason: message.reason });
  for (const entry of tiles.values()) {
    if (entry.recheck) entry.recheck(); // a tour skips a camera gone offline, takes it back later
    const kind = entry.el.dataset.kind;
    if ((kind === "camera" || kind === "tour") && entry.el.dataset.camera === message.camera_id) {
      cameraBadge(entry.el, camera || { status: message.status, status_reason: message.reason });
    }
  }
}

// --- panels ---------------------------------------------------------------------------------

async function fill(node, tile) {
  try {
    const body = await PANELS[tile.kind](tile, node);
    node.replaceChildren(body);
  } catch (error) {
    if (error.status === 401) return;
    node.replaceChildren(el("p", { class: "problem" }, t("wall.panel_failed", { why: error.message })));
  }
}

function list(title, items) {
  const entries = items.length ? items : [el("li", {}, t("wall.nothing"))];
  return el("div", { class: "panel" }, el("h2", {}, title), el("ol", {}, ...entries));
}

const PANELS = {
  async timeline(tile) {
    if (tile.incident_id == null) return list(t("wall.timeline.title"), [el("li", {}, t("wall.timeline.none"))]);
    const incident = await api(`/api/incidents/${tile.incident_id}`);
    const items = incident.timeline.slice(-14).reverse().map((entry) =>
      el("li", { "data-kind": entry.kind }, when(entry.at), entryText(entry)));
    const title = el("span", { class: `sev-${incident.severity}` }, exerciseBadge(incident), `#${incident.id} ${incident.title}`);
    return list(title, items);
  },
  async alarms() {
    const page = await api("/api/alarms?limit=14");
    const items = page.items.map(({ alarm }) =>
      el("li", { class: `sev-${alarm.severity}` }, exerciseBadge(alarm), when(alarm.occurred_at), alarm.description || alarm.type));
    return list(t("wall.alarms.title", { total: page.total }), items);
  },
  async crisis_log() {
    const path = state && state.crisis_id ? `/api/crises/${state.crisis_id}` : "/api/crises/current";
    const crisis = await api(path);
    if (!crisis) return list(t("wall.crisis.log"), [el("li", {}, t("wall.crisis.none"))]);
    const items = (crisis.log || []).slice(-14).reverse().map((entry) =>
      el("li", { class: entry.kind }, when(entry.at), t("wall.crisis.entry", { author: entry.author || "csu", text: entry.text })));
    return list(t("wall.crisis.title", { title: crisis.title }), items);
  },
  async map(_tile, node) {
    const incidents = (await api("/api/incidents"))
      .filter((i) => i.open && i.lon != null); // the server says which incidents are open
    const markers = incidents.map((i) => ({ id: i.id, lat: i.lat, lon: i.lon, label: `#${i.id}`, severity: i.severity }));
    const size = { width: node.clientWidth, height: node.clientHeight };
    return drawMap({ cameras: [...cameras.values()], markers, settings: await mapConfig(), ...size });
  },
};

setInterval(() => {
  for (const entry of tiles.values()) if (entry.refresh) entry.refresh();
}, PANEL_REFRESH_MS);
tickClock(document.getElementById("clock"));
document.getElementById("status").append(" ", languageSwitch());

async function start() {
  try {
    await me();
    await loadCameras();
  } catch (error) {
    if (error.status !== 401) setTimeout(start, RETRY_MS); // the server is not answering yet
    return;
  }
  exerciseBanner(document.body, { overlay: true });
  reconnectingSocket(`/api/walls/${encodeURIComponent(wallId)}/ws`, (message) => {
    if (message.type === "layout") render(message);
  });
  reconnectingSocket("/api/events", (message) => {
    if (message.type === "camera") cameraStatus(message);
  });
}

start();
