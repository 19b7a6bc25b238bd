// The operator console: queue, incident, cameras and map, all live over WS /api/events.
import { api, homeOf, logout, me, showError } from "/static/common/api.js";
import { tickClock } from "/static/common/dom.js";
import { followAccountLanguage, languageSwitch, t } from "/static/common/i18n.js";
import { mapConfig } from "/static/common/map.js";
import { MapPane } from "/static/common/map_pane.js";
import { adoptBrowserChoices, loadPreferences, savePreferences } from "/static/common/preferences.js";
import { salvoButtons } from "/static/common/salvos.js";
import { reconnectingSocket } from "/static/common/ws.js";
import { CameraGrid } from "./cameras.js";
import { dialogOpen, toggleHelp } from "./dialogs.js";
import { IncidentView } from "./incident.js";
import { PlaybackPanel } from "./playback.js";
import { PtzPanel } from "./ptz.js";
import { Queue } from "./queue.js";
import { openPush } from "./walls.js";
import { Alerting } from "./alerting.js";
import { gridSizeControl } from "./grid_size.js";
import { GroupChooser } from "./desk_groups.js";
import { DeskLayout } from "./desk_layout.js";
import { DeskTours } from "./desk_tours.js";
import { QueueFilter } from "./queue_filter.js";
import { SyncPlayback } from "./sync_playback.js";
import { CaseMaker } from "./case.js";
import { exerciseBanner } from "/static/common/exercise.js";

const SETTLE_MS = 300;
const mapPane = document.getElementById("map-pane");
const centre = document.getElementById("centre");
const queueList = document.getElementById("queue");
let settings = {};
let pickedCamera = null;

const gridNode = document.getElementById("grid");
const grid = new CameraGrid(gridNode, document.getElementById("grid-title"), (id) => {
  pickedCamera = id;
  grid.toggleLarge(id);
  const tile = grid.tiles.get(id);
  if (tile && tile.node.isConnected) tile.node.focus(); // its keys (PTZ) keep working
  ptz.select(id);
});
const ptz = new PtzPanel(document.getElementById("ptz"), gridNode, (id) => grid.cameras.get(id));
gridNode.addEventListener("focusin", (event) => {
  const tile = event.target.closest(".cam");
  if (tile) ptz.select(tile.dataset.camera);
});
const playback = new PlaybackPanel(document.getElementById("playback"),
  (id) => (grid.cameras.get(id) || { name: id }).name);
const synced = new SyncPlayback((id) => (grid.cameras.get(id) || { name: id }).name);
const cases = new CaseMaker(playback.evidence);
const view = new IncidentView(document.getElementById("incident"), {
  onChanged: (summary) => { queue.upsert(summary); alerting.track(queue.ordered()); },
  onCameras: (ids, label) => grid.show(ids, label),
  onPush: () => push(),
  onPlay: (camera, start, end) => playback.open(camera, start, end),
  onPlaySync: (incident) => synced.open(incident),
  caseControls: (incident) => cases.controls(incident),
});
const queue = new Queue(queueList, (id) => view.show(id));
const salvos = salvoButtons(document.getElementById("salvos"), { hideWhenEmpty: true, heading: "strong" });
const alerting = new Alerting(document.getElementById("top"));
const exercises = exerciseBanner();
const groups = new GroupChooser(grid, document.getElementById("grid-all"));
const layout = new DeskLayout(grid, gridNode, document.getElementById("grid-bar"), mapPane);
const tours = new DeskTours(grid, gridNode, document.getElementById("grid-all"));
const filters = new QueueFilter(document.getElementById("queue-pane"), queue, { onOpen: (id) => view.show(id) });

function later(fn) {
  // Many events in a burst cause one reload.
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, SETTLE_MS);
  };
}

function redraw() {
  const markers = queue.ordered().filter((i) => i.lat != null && i.lon != null).map((i) => ({
    id: i.id, lat: i.lat, lon: i.lon, label: i.exercise ? `#${i.id} ${t("exercises.banner")}` : `#${i.id}`,
    title: `#${i.id} ${i.title}`, severity: i.severity,
  }));
  map.update({ cameras: [...grid.cameras.values()], markers, settings });
}

const map = new MapPane(mapPane, {
  onSelect: (kind, id) => (kind === "camera" ? grid.show([id], t("console.grid.from_map")) : queue.select(Number(id))),
});
const redrawSoon = later(redraw);
new ResizeObserver(redrawSoon).observe(mapPane);
const refreshIncidentSoon = later(() => view.refresh());

/** Read everything again: at start, and after every reconnection (events may have been missed). */
async function resync() {
  try {
    const [cameras, incidents, desk] = await Promise.all([api("/api/cameras"), api("/api/incidents"), api("/api/site/desk")]);
    grid.setCameras(cameras);
    groups.setGroups(desk.groups);
    layout.setCameras(cameras);
    tours.setTours(desk.tours);
    filters.setCameras(cameras);
    queue.load(incidents);
    salvos.reload();
    playback.evidence.resync();
    alerting.track(queue.ordered());
    if (queue.selectedId != null) await view.refresh();
    redraw();
  } catch (error) {
    if (error.status !== 0 && error.status !== 401) showError(queueList, error);
  }
}

const resyncSoon = later(resync);

function onEvent(message) {
  if (message.type === "alarms") {
    if (queue.alarmsArrived(message.alarms).length) resyncSoon();
  } else if (message.type === "incident") {
    queue.upsert(message.incident, { fresh: ["opened", "alarms"].includes(message.change) });
    alerting.incidentEvent(message.incident, message.change);
    if (message.incident.exercise && message.change === "opened") exercises.refresh();
    alerting.track(queue.ordered());
    if (message.incident.id === queue.selectedId) refreshIncidentSoon();
    redrawSoon();
  } else if (message.type === "camera") {
    grid.status(message.camera_id, message.status, message.reason);
    redrawSoon();
  } else if (message.type === "ptz") {
    ptz.ended(message);
  } else if (message.type === "export") {
    playback.evidence.exportEvent(message); // its progress bar, and its download once signed
    cases.event(message); // a case asked for from the incident view moves its bar there too
  } else if (message.type === "rights") {
    resyncSoon(); // this account's cameras changed: show the ones it may see now
  }
}

/** The camera the operator means: the focused tile, the one clicked last, else the first shown. */
function chosenCamera() {
  const tile = document.activeElement && document.activeElement.closest("#grid .cam");
  if (tile) return tile.dataset.camera;
  const visible = grid.visible();
  if (pickedCamera && visible.includes(pickedCamera)) return pickedCamera;
  return visible[0] || null;
}

function playCamera() {
  const camera = chosenCamera();
  if (camera) playback.open(camera);
}

function push() {
  openPush(queue.selected(), [...grid.cameras.values()], pickedCamera, tours.tours);
}

const KEYS = {
  ArrowDown: () => queue.move(1),
  ArrowUp: () => queue.move(-1),
  j: () => queue.move(1),
  k: () => queue.move(-1),
  a: () => view.acknowledge(),
  e: () => view.escalate(),
  n: () => view.focusNote(),
  s: () => view.focusStatus(),
  c: () => view.showCameras(),
  g: () => grid.showAll(),
  "[": () => grid.page(-1),
  "]": () => grid.page(1),
  f: () => grid.toggleLarge(),
  w: () => push(),
  p: () => playCamera(),
  l: () => view.playLatestClip(),
  y: () => view.decide(true),
  x: () => view.decide(false),
  m: () => { centre.classList.toggle("map-large"); },
  "?": () => toggleHelp(),
  "/": () => filters.focus(),
};

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.altKey || event.metaKey || dialogOpen()) return;
  const typing = event.target.closest("input, textarea, select");
  if (typing) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const digit = /^[1-9]$/.test(event.key) ? Number(event.key) - 1 : null;
  const action = digit != null ? () => view.toggleStep(digit) : KEYS[event.key];
  if (!action) return;
  event.preventDefault();
  action();
});

// A choice made just before signing out is saved while the session still lets it.
document.getElementById("logout").addEventListener("click", () => savePreferences().finally(logout));
document.getElementById("grid-all").addEventListener("click", () => grid.showAll());
document.getElementById("grid-prev").addEventListener("click", () => grid.page(-1));
document.getElementById("grid-next").addEventListener("click", () => grid.page(1));
document.getElementById("grid-playback").addEventListener("click", () => playCamera());
window.addEventListener("csu:reconnected", resyncSoon);

async function start() {
  const user = await me();
  if (user.role === "privacy_officer") return location.replace(homeOf(user.role)); // no video for this role
  playback.setRole(user.role);
  cases.setRole(user.role);
  ptz.setUser(user);
  // The account's preferences, before the first resync (which restores their desk's layout).
  const preferences = await loadPreferences(user.username);
  if (followAccountLanguage(preferences.language)) return; // changed at another desk: reloads
  adoptBrowserChoices(user.username);
  alerting.showControls();
  gridSizeControl(grid, document.getElementById("grid-all"));
  document.getElementById("who").textContent = t("console.who", { username: user.username, role: t(`console.role.${user.role}`) });
  document.getElementById("requisitions-link").hidden = user.role !== "supervisor"; // who keeps the register
  settings = await mapConfig().catch(() => ({}));
  // Read the state once the event stream is open, never before: an incident opened in between
  // would otherwise be in neither.
  reconnectingSocket("/api/events", onEvent, { onOpen: () => resync() });
  queueList.focus();
  document.body.dataset.ready = "true"; // keys and the event stream are in place
}

document.getElementById("language").append(languageSwitch());
tickClock(document.getElementById("clock"));

function begin() {
  start().catch((error) => {
    if (error.status === 0) setTimeout(begin, 3000); // the server is not answering yet
    else if (error.status !== 401) showError(queueList, error);
  });
}

begin();
