// Cameras added, edited and retired in the browser: the registry (which source is in force for
// each camera: the site file or an administrator's change) and a form whose refusals show next
// to the field they name. Every change carries a reason; the server logs it before it is stored.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatDateTime, t } from "/static/common/i18n.js";

const FIELDS = [
  // [key in the camera's settings, input type, catalogue key, extra attributes]
  ["id", "text", "id", { required: true, maxlength: 64, pattern: "[a-z0-9][a-z0-9_\\-]{0,63}" }],
  ["name", "text", "name", { required: true, maxlength: 120 }],
  ["source", "text", "source", { required: true, maxlength: 2048, size: 40, placeholder: "rtsp://… demo://…" }],
  ["lat", "number", "lat", { step: "any" }],
  ["lon", "number", "lon", { step: "any" }],
  ["bearing_deg", "number", "bearing", { step: "any" }],
  ["fov_deg", "number", "fov", { step: "any" }],
  ["range_m", "number", "range", { step: "any" }],
  ["retention_days", "number", "retention", { min: 1, max: 30, value: 15 }],
  ["fps", "number", "fps", { min: 1, max: 60, value: 25 }],
];
const state = { editing: null, entries: [], onChange: () => {} };

function field(key, type, label, attrs) {
  const input = el("input", { type, name: key, id: `cam-${key}`, ...attrs });
  return el("label", { class: "cam-field", "data-field": key }, t(`cameras_admin.field.${label}`), input,
    el("span", { class: "field-error", "data-error-for": key, role: "alert" }));
}

function buildSection() {
  const recording = el("select", { name: "recording", id: "cam-recording" },
    ...["continuous", "events", "off"].map((mode) => el("option", { value: mode }, t(`cameras_admin.recording.${mode}`))));
  const form = el("form", { id: "camera-form", novalidate: true, autocomplete: "off" },
    el("h3", { id: "camera-form-title" }, t("cameras_admin.add_title")),
    el("div", { class: "cam-grid" }, ...FIELDS.map(([key, type, label, attrs]) => field(key, type, label, attrs)),
      el("label", { class: "cam-field", "data-field": "recording" }, t("cameras_admin.field.recording"), recording,
        el("span", { class: "field-error", "data-error-for": "recording" })),
      el("label", { class: "inline" }, el("input", { type: "checkbox", id: "cam-enabled", checked: true }),
        t("cameras_admin.field.enabled"))),
    el("label", { class: "cam-field wide", "data-field": "privacy_zones" }, t("cameras_admin.field.zones"),
      el("textarea", { id: "cam-privacy_zones", rows: 2, cols: 70, placeholder: "[[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]]" }),
      el("span", { class: "muted", id: "cam-zones-hint" }, t("cameras_admin.zones_hint")),
      el("span", { class: "field-error", "data-error-for": "privacy_zones" })),
    el("label", { class: "cam-field wide", "data-field": "reason" }, t("cameras_admin.field.reason"),
      el("input", { id: "cam-reason", maxlength: 1000, size: 60, required: true, placeholder: t("cameras_admin.reason_placeholder") }),
      el("span", { class: "field-error", "data-error-for": "reason" })),
    el("div", { class: "row" },
      el("button", { type: "submit", id: "camera-save" }, t("cameras_admin.add")),
      el("button", { type: "button", class: "quiet", id: "camera-cancel", hidden: true }, t("cameras_admin.cancel_edit"))),
    el("p", { id: "camera-form-status", class: "muted", role: "status" }));
  const table = el("table", { id: "camera-registry" },
    el("thead", {}, el("tr", {}, ...["id", "name", "in_force", "changed", ""].map((k) => el("th", {}, k ? t(`cameras_admin.column.${k}`) : "")))),
    el("tbody"));
  return el("section", { id: "camera-admin-section" },
    el("h2", {}, t("cameras_admin.title")), el("p", { class: "muted" }, t("cameras_admin.intro")), table, form);
}

const $ = (id) => document.getElementById(id);
const number = (id) => ($(id).value === "" ? null : Number($(id).value));

function settingsFromForm() {
  const camera = {
    id: $("cam-id").value.trim(), name: $("cam-name").value.trim(), source: $("cam-source").value.trim(),
    retention_days: number("cam-retention_days"), fps: number("cam-fps"), enabled: $("cam-enabled").checked,
    recording: { ...(state.editing?.recording || {}), mode: $("cam-recording").value },
  };
  const [lat, lon] = [number("cam-lat"), number("cam-lon")];
  if (lat !== null || lon !== null) camera.location = { lat, lon };
  const view = { bearing_deg: number("cam-bearing_deg"), fov_deg: number("cam-fov_deg"), range_m: number("cam-range_m") };
  if (Object.values(view).some((v) => v !== null)) camera.view = view;
  const zones = $("cam-privacy_zones").value.trim();
  if (!state.editing && zones) {
    try { camera.privacy_zones = JSON.parse(zones); } catch (_) { camera.privacy_zones = zones; }
  }
  // Settings the form does not show (ONVIF, analytics...) are kept as they are.
  return state.editing ? { ...state.editing, ...camera, privacy_zones: state.editing.privacy_zones || [] } : camera;
}

/** Each "key: problem" of the server's answer beside its field; the rest under the form. */
function showProblems(detail) {
  const rest = [];
  // French sets a space before the colon and the semicolon ("source : ... ; reason : ...").
  for (const part of detail.split(/ ?; (?=[\w.[\]]+ ?: )/)) {
    const match = /^([a-z_]+)[\w.[\]]* ?: (.*)$/.exec(part);
    const key = match && ({ location: "lat", view: "bearing_deg" }[match[1]] || match[1]);
    const slot = key && document.querySelector(`#camera-form [data-error-for="${key}"]`);
    if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${part}` : part;
    else rest.push(part);
  }
  $("camera-form-status").textContent = rest.join("; ");
}

function clearProblems() {
  for (const slot of document.querySelectorAll("#camera-form .field-error")) slot.textContent = "";
  $("camera-form-status").textContent = "";
}

function fill(settings) {
  const put = (id, value) => { $(id).value = value ?? ""; };
  for (const [key] of FIELDS) if (settings[key] !== undefined) put(`cam-${key}`, settings[key]);
  put("cam-lat", settings.location?.lat); put("cam-lon", settings.location?.lon);
  put("cam-bearing_deg", settings.view?.bearing_deg); put("cam-fov_deg", settings.view?.fov_deg);
  put("cam-range_m", settings.view?.range_m);
  put("cam-retention_days", settings.retention_days ?? 15); put("cam-fps", settings.fps ?? 25);
  $("cam-recording").value = settings.recording?.mode || "continuous";
  $("cam-enabled").checked = settings.enabled !== false;
}

function startEdit(entry) {
  state.editing = entry.settings;
  clearProblems();
  $("camera-form").reset();
  fill(entry.settings);
  $("cam-id").readOnly = true;
  $("cam-privacy_zones").disabled = true;
  $("cam-zones-hint").textContent = t("cameras_admin.zones_in_editor");
  $("camera-form-title").textContent = t("cameras_admin.edit_title", { id: entry.id });
  $("camera-save").textContent = t("cameras_admin.save");
  $("camera-cancel").hidden = false;
  $("camera-form").scrollIntoView({ behavior: "smooth" });
}

function endEdit() {
  state.editing = null;
  $("camera-form").reset();
  $("cam-id").readOnly = false;
  $("cam-privacy_zones").disabled = false;
  $("cam-zones-hint").textContent = t("cameras_admin.zones_hint");
  $("camera-form-title").textContent = t("cameras_admin.add_title");
  $("camera-save").textContent = t("cameras_admin.add");
  $("camera-cancel").hidden = true;
  clearProblems();
}

async function save(event) {
  event.preventDefault();
  clearProblems();
  const button = $("camera-save");
  button.disabled = true;
  const body = { camera: settingsFromForm(), reason: $("cam-reason").value };
  const id = state.editing?.id;
  try {
    await api(id ? `/api/admin/cameras/${encodeURIComponent(id)}` : "/api/admin/cameras", { method: id ? "PUT" : "POST", body });
    const done = t(id ? "cameras_admin.saved" : "cameras_admin.added", { id: body.camera.id });
    endEdit();
    $("camera-form-status").textContent = done;
    await refresh();
  } catch (error) {
    showProblems(error.message || String(error));
  } finally {
    button.disabled = false;
  }
}

function retireRow(row, entry) {
  if (row.nextElementSibling?.classList.contains("retire-editor")) return;
  const reason = el("input", { class: "retire-reason", maxlength: 1000, size: 50, placeholder: t("cameras_admin.reason_placeholder") });
  const confirm = el("button", { type: "submit", class: "danger" }, t("cameras_admin.retire_confirm"));
  const cancel = el("button", { type: "button", class: "quiet" }, t("cameras_admin.cancel_edit"));
  const form = el("form", { class: "row" }, el("span", {}, t("cameras_admin.retire_words", { id: entry.id })),
    el("label", {}, t("cameras_admin.field.reason"), reason), confirm, cancel);
  const editor = el("tr", { class: "retire-editor" }, el("td", { colspan: 5 }, form));
  cancel.addEventListener("click", () => editor.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    confirm.disabled = true;
    try {
      await api(`/api/admin/cameras/${encodeURIComponent(entry.id)}/retire`, { method: "POST", body: { reason: reason.value } });
      editor.remove();
      await refresh();
    } catch (error) {
      showError(confirm, error);
      confirm.disabled = false;
    }
  });
  row.after(editor);
}

function registryRow(entry) {
  const row = el("tr", { "data-camera": entry.id, "data-origin": entry.origin, class: entry.in_force ? null : "inactive" });
  const actions = el("td", {});
  if (entry.in_force) {
    const edit = el("button", { type: "button", class: "quiet edit-camera" }, t("cameras_admin.edit"));
    edit.addEventListener("click", () => startEdit(entry));
    const retire = el("button", { type: "button", class: "danger retire-camera" }, t("cameras_admin.retire"));
    retire.addEventListener("click", () => retireRow(row, entry));
    // The sign posted where the camera films: the law's information, printable on A4.
    const sign = el("a", { class: "signage-link", href: `/signage/${encodeURIComponent(entry.id)}`, target: "_blank", rel: "noopener" }, t("cameras_admin.signage"));
    actions.append(edit, " ", retire, " ", sign);
  }
  const changed = entry.changed_by
    ? `${entry.changed_by}, ${formatDateTime(entry.changed_at)} — ${entry.reason}` : "";
  row.append(el("td", {}, entry.id), el("td", {}, entry.settings?.name || ""),
    el("td", { class: "origin", title: entry.explanation }, t(`cameras_admin.origin.${entry.origin}`)),
    el("td", { class: "muted" }, changed), actions);
  return row;
}

async function loadRegistry() {
  const table = $("camera-registry");
  try {
    state.entries = await api("/api/admin/cameras/registry");
    clearError(table);
    table.tBodies[0].replaceChildren(...state.entries.map(registryRow));
  } catch (error) {
    showError(table, error);
  }
}

/** After a change: the registry, then the running cameras once the server applied it (it does
 * so from its event bus, a moment after answering), and the zone editor's choice of camera. */
async function refresh() {
  await loadRegistry();
  const wanted = state.entries.filter((e) => e.in_force).map((e) => e.id).sort().join();
  let running = [];
  for (let tries = 0; tries < 20; tries += 1) {
    running = await api("/api/admin/cameras").catch(() => []);
    if (running.map((c) => c.id).sort().join() === wanted) break;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await state.onChange();
  const select = $("zone-camera");
  if (!select) return;
  const chosen = select.value;
  select.replaceChildren(...running.map((c) => new Option(`${c.name} (${c.id})`, c.id)));
  if (running.some((c) => c.id === chosen)) select.value = chosen;
}

/** Put the section after the cameras' table; `onChange` runs after each change (lists reload). */
export async function setUpCameraAdmin(onChange = () => {}) {
  state.onChange = onChange;
  $("cameras-section").after(buildSection());
  $("camera-form").addEventListener("submit", save);
  $("camera-cancel").addEventListener("click", endEdit);
  await loadRegistry();
}
