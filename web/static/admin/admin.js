// The administrator's page: cameras, accounts and their camera authorisations, privacy zones and
// the zone changes awaiting a second person.
// Every change goes through the API, which logs it before it takes effect.
import { api, clearError, showError } from "/static/common/api.js";
import "/static/common/banner.js";
import { el } from "/static/common/dom.js";
import { applyI18n, fromSiteInput, t } from "/static/common/i18n.js";
import { localTime, roleName, signedInAs } from "/static/oversight/gate.js";
import { accountActions } from "/static/admin/accounts.js";
import { setUpCluster, statusName } from "/static/admin/cluster.js";
import { setUpCameraAdmin } from "/static/admin/cameras.js";
import { editCamera, setUpZoneEditor } from "/static/admin/zones.js";
import { setUpZoneChanges } from "/static/oversight/zone_changes.js";

const $ = (id) => document.getElementById(id);
const ALL = "*";
let cameras = [];
let myName = null;

function analyticsText(a) {
  if (!a.configured) return t("admin.analytics.off");
  const words = {
    state: t(a.running ? "admin.analytics.running" : "admin.analytics.stopped"),
    basis: a.legal_basis || t("admin.analytics.no_basis"),
    until: localTime(a.ends_at),
  };
  const text = t(a.ends_at ? "admin.analytics.summary_until" : "admin.analytics.summary", words);
  return `${text}${a.error ? ` — ${a.error}` : ""}`;
}

function statusText(camera) {
  const status = statusName(camera.status);
  return camera.enabled ? status : t("admin.cameras.disabled", { status });
}

async function loadCameras() {
  const table = $("cameras");
  try {
    cameras = await api("/api/admin/cameras");
    clearError(table);
  } catch (error) {
    showError(table, error);
    return;
  }
  table.tBodies[0].replaceChildren(
    ...cameras.map((c) => {
      const edit = el("button", { type: "button", class: "quiet edit-zones" }, t("admin.cameras.edit_zones"));
      edit.addEventListener("click", () => {
        editCamera(c.id);
        $("zones-section").scrollIntoView({ behavior: "smooth" });
      });
      return el(
        "tr",
        { "data-camera": c.id },
        el("td", {}, c.id),
        el("td", {}, c.name),
        el("td", { title: c.status_reason || "" }, statusText(c)),
        el("td", {}, t("admin.cameras.days", { count: c.retention_days })),
        el("td", { class: "zone-count" }, String(c.zones.length)),
        el("td", {}, analyticsText(c.analytics)),
        el("td", {}, edit),
      );
    }),
  );
}

function cameraChoices(fieldset, chosen) {
  const boxes = [[ALL, t("admin.users.all_cameras")], ...cameras.map((c) => [c.id, c.name])].map(([id, name]) =>
    el("label", {}, el("input", { type: "checkbox", value: id, checked: chosen.includes(id) }), name),
  );
  fieldset.replaceChildren(fieldset.querySelector("legend") || el("legend", {}, t("admin.users.cameras")), ...boxes);
}

function chosenCameras(fieldset) {
  return [...fieldset.querySelectorAll("input:checked")].map((box) => box.value);
}

function endOfDay(input) {
  // An authorisation dated D runs through the whole of day D on the site's clock.
  return input.value ? fromSiteInput(`${input.value}T23:59:59`).toISOString() : null;
}

function grantsCell(user) {
  if (!user.grants.length) return el("td", { class: "muted" }, t("admin.users.no_grant"));
  return el(
    "td",
    {},
    ...user.grants.map((g) =>
      el(
        "span",
        { class: g.expired ? "grant expired" : "grant", "data-camera": g.camera_id, "data-granted-by": g.granted_by || "", title: grantedText(g) },
        grantText(g),
      ),
    ),
  );
}

function grantedText(grant) {
  const when = localTime(grant.granted_at);
  return grant.granted_by ? t("admin.users.granted_by", { user: grant.granted_by, when }) : t("admin.users.granted_unknown", { when });
}

function grantText(grant) {
  const camera = grant.camera_id === ALL ? t("admin.users.all_cameras") : grant.camera_id;
  return grant.expires_at ? t("admin.users.grant_until", { camera, until: localTime(grant.expires_at) }) : camera;
}

function userRow(user) {
  const row = el("tr", { "data-user": user.username, class: user.active ? null : "inactive" });
  const options = { me: myName, cameras: () => cameras, reload: loadUsers };
  const actions = el("td", { class: "actions" }, ...accountActions(row, user, options));
  const state = t(user.active ? "admin.users.active" : "admin.users.deactivated");
  row.append(
    el("td", {}, user.username),
    el("td", {}, roleName(user.role)),
    el("td", {}, user.anonymised_view ? t("admin.users.anonymised_only", { state }) : state),
    grantsCell(user),
    actions,
  );
  return row;
}

async function loadUsers() {
  const table = $("users");
  try {
    const users = await api("/api/users");
    clearError(table);
    table.tBodies[0].replaceChildren(...users.map(userRow));
  } catch (error) {
    showError(table, error);
  }
}

async function createUser(event) {
  event.preventDefault();
  const button = $("nu-create");
  button.disabled = true;
  try {
    await api("/api/users", {
      method: "POST",
      body: {
        username: $("nu-username").value.trim(),
        role: $("nu-role").value,
        password: $("nu-password").value,
        cameras: chosenCameras($("nu-cameras")),
        expires_at: endOfDay($("nu-expires")),
        anonymised_view: $("nu-anonymised").checked,
      },
    });
    clearError(button);
    $("new-user").reset();
    cameraChoices($("nu-cameras"), []);
    await loadUsers();
  } catch (error) {
    showError(button, error);
  } finally {
    button.disabled = false;
  }
}

async function start() {
  const who = await signedInAs(["admin"], t("admin.only"));
  if (!who) return;
  myName = who.username;
  await loadCameras();
  cameraChoices($("nu-cameras"), []);
  $("new-user").addEventListener("submit", createUser);
  const loadChanges = setUpZoneChanges($("zone-changes"), {
    me: who,
    cameraName: (id) => (cameras.find((c) => c.id === id) || { name: id }).name,
    snapshot: true,
    // A confirmed change is in force: the counts and the editor show it.
    onDecided: async () => {
      await loadCameras();
      await editCamera($("zone-camera").value);
    },
  });
  setUpZoneEditor(cameras, () => {
    loadCameras();
    loadChanges();
  });
  await setUpCameraAdmin(loadCameras);
  await loadUsers();
  if (cameras.length) await editCamera(cameras[0].id);
  await loadChanges();
  const loadCluster = setUpCluster($("cluster-section"));
  window.addEventListener("csu:reconnected", () => {
    loadCameras();
    loadUsers();
    loadChanges();
    loadCluster();
  });
  document.body.dataset.ready = "true";
}

start();
