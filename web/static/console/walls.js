// Push to a video wall: choose the wall, what to show and the tile; errors stay in the dialog.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";

const dialog = document.getElementById("wall-dialog");
const wallSelect = document.getElementById("wall-select");
const whatSelect = document.getElementById("wall-what");
const cells = document.getElementById("wall-cells");
const pushButton = document.getElementById("wall-push");
let walls = [];
let choices = [];
let cell = { x: 0, y: 0 };

function contents(incident, cameras, tours) {
  // What can go on a tile, the selected incident first.
  const list = [];
  if (incident) {
    list.push({ label: t("console.wall.incident_camera", { id: incident.id }), body: { kind: "camera", incident_id: incident.id } });
    list.push({ label: t("console.wall.incident_timeline", { id: incident.id }), body: { kind: "timeline", incident_id: incident.id } });
  }
  for (const camera of cameras) list.push({ label: t("console.wall.camera", { name: camera.name }), body: { kind: "camera", camera_id: camera.id } });
  // A tour runs on the tile by itself, every display of the wall in step (the server's schedule).
  for (const tour of tours) list.push({ label: t("console.wall.tour", { name: tour.name }), body: { kind: "tour", tour_id: tour.id } });
  list.push({ label: t("console.wall.alarms"), body: { kind: "alarms" } });
  list.push({ label: t("console.wall.map"), body: { kind: "map" } });
  return list;
}

function drawCells() {
  const wall = walls.find((w) => w.id === wallSelect.value);
  if (!wall) return cells.replaceChildren();
  const [cols, rows] = wall.grid;
  cell = { x: Math.min(cell.x, cols - 1), y: Math.min(cell.y, rows - 1) };
  cells.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
  const buttons = [];
  for (let y = 0; y < rows; y += 1) {
    for (let x = 0; x < cols; x += 1) {
      const pressed = x === cell.x && y === cell.y;
      const node = el("button", { type: "button", "aria-pressed": String(pressed), "data-x": x, "data-y": y }, `${x + 1},${y + 1}`);
      node.addEventListener("click", () => { cell = { x, y }; drawCells(); });
      buttons.push(node);
    }
  }
  cells.replaceChildren(...buttons);
}

/** Open the dialog for the selected incident (or none), the cameras the user may see and the
 * site's tours (GET /api/site/desk: those with a camera the user may see). */
export async function openPush(incident, cameras, preferred = null, tours = []) {
  clearError(pushButton);
  choices = contents(incident, cameras, tours);
  whatSelect.replaceChildren(...choices.map((c, index) => el("option", { value: index }, c.label)));
  if (preferred) {
    const index = choices.findIndex((c) => c.body.camera_id === preferred);
    if (index >= 0) whatSelect.value = String(index);
  }
  dialog.showModal();
  try {
    walls = await api("/api/walls");
    const before = wallSelect.value;
    wallSelect.replaceChildren(...walls.map((w) => el("option", { value: w.id }, t("console.wall.option", { name: w.name, mode: t(`console.wall.mode.${w.mode}`) }))));
    if (walls.some((w) => w.id === before)) wallSelect.value = before;
    drawCells();
    wallSelect.focus();
  } catch (error) {
    showError(pushButton, error);
  }
}

wallSelect.addEventListener("change", drawCells);
document.getElementById("wall-cancel").addEventListener("click", () => dialog.close());
document.getElementById("wall-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const choice = choices[Number(whatSelect.value)];
  if (!choice || !wallSelect.value) return showError(pushButton, t("console.wall.choose"));
  try {
    await api(`/api/walls/${encodeURIComponent(wallSelect.value)}/push`, {
      method: "POST",
      body: { ...cell, ...choice.body },
    });
    clearError(pushButton);
    dialog.close();
  } catch (error) {
    showError(pushButton, error);
  }
});
