// The crisis cell's page: the open crisis (or none, and how to activate one), its log and the
// decision form, its incidents, the walls' salvos, closing with a summary, and its report.
// Live over WS /api/events: every change of a crisis or an incident redraws what it touches.
import { api, clearError, logout, me, showError } from "/static/common/api.js";
import { el, tickClock } from "/static/common/dom.js";
import { formatDateTime, languageSwitch, t } from "/static/common/i18n.js";
import { salvoButtons } from "/static/common/salvos.js";
import { reconnectingSocket } from "/static/common/ws.js";
import { CrisisLog, incidentLabel } from "./log.js";

const SETTLE_MS = 200;
const $ = (id) => document.getElementById(id);
const announcer = $("announce");
let user = null;
let crisis = null; // the open crisis with its log, or null
let incidents = [];

function announce(text) {
  // A fresh text node each time, so a screen reader reads a repeated message again.
  announcer.replaceChildren(document.createTextNode(text));
}

const log = new CrisisLog({
  table: $("log"),
  form: $("decision-form"),
  text: $("decision-text"),
  incident: $("decision-incident"),
  submit: $("decision-submit"),
  peopleOnly: $("people-only"),
  announce,
});
const salvos = salvoButtons($("salvos"), { announce, heading: "h4" });

const may = (right) => Boolean(user && user.rights && user.rights.includes(right));
const reportUrl = (id) => `/api/crises/${id}/report`;

function incidentItem(incident) {
  const detail = t("crisis.incidents.detail", {
    severity: t(`crisis.severity.${incident.severity}`),
    status: t(`crisis.status.${incident.status}`),
    at: formatDateTime(incident.opened_at),
  });
  return el("li", { "data-incident": incident.id, "data-severity": incident.severity },
    el("strong", {}, incidentLabel(incident)), el("br"), el("span", { class: "muted" }, detail));
}

function drawIncidents() {
  const ids = crisis ? crisis.incidents : [];
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const under = ids.map((id) => byId.get(id) || { id, title: "", severity: "", status: "", opened_at: null });
  const items = under.filter((i) => i.opened_at).map(incidentItem);
  if (!items.length) items.push(el("li", { class: "muted" }, t("crisis.incidents.empty")));
  $("incidents").replaceChildren(...items);
  const others = incidents.filter((i) => i.open && !ids.includes(i.id));
  log.offerIncidents(under.filter((i) => i.opened_at), others);
  const choices = others.map((i) => el("option", { value: String(i.id) }, incidentLabel(i)));
  $("activate-incident").replaceChildren(el("option", { value: "" }, t("common.none")), ...choices);
}

function drawCrisis() {
  $("crisis").hidden = false;
  $("none").hidden = true;
  $("crisis-title").textContent = crisis.title;
  $("crisis-since").textContent = t("crisis.open.since", { at: formatDateTime(crisis.opened_at), by: crisis.opened_by });
  $("crisis-people").textContent = t("crisis.participants", { names: crisis.participants.join(", ") });
  $("report-link").href = reportUrl(crisis.id);
  const acts = may("crisis.act");
  $("decision-pane").hidden = !acts;
  $("close-button").hidden = !acts;
  $("walls-pane").hidden = !may("wall.salvo");
  log.show(crisis, user.username);
}

function drawNone(last) {
  $("crisis").hidden = true;
  $("none").hidden = false;
  $("last").hidden = !last;
  if (last) {
    $("last-text").textContent = t("crisis.last.closed", {
      title: last.title, at: formatDateTime(last.closed_at), by: last.closed_by,
    });
    $("last-report").href = reportUrl(last.id);
  }
  $("activate").hidden = !may("crisis.act");
  $("cannot-open").hidden = may("crisis.act");
}

/** Read the crisis, its log and the incidents again (at start, on changes, after reconnection). */
async function load() {
  const [current, list] = await Promise.all([api("/api/crises/current"), api("/api/incidents")]);
  incidents = list;
  if (current) {
    crisis = await api(`/api/crises/${current.id}`);
    drawCrisis();
  } else {
    const previous = crisis;
    crisis = null;
    const crises = await api("/api/crises");
    drawNone(crises.find((c) => c.status === "closed"));
    if (previous) announce(t("crisis.announce.closed", { title: previous.title, by: crises[0].closed_by || "" }));
  }
  drawIncidents();
}

function later(fn) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, SETTLE_MS); };
}

const reloadSoon = later(() => load().catch((error) => showError($("room"), error)));

function onEvent(message) {
  if (message.type === "crisis") {
    if (message.change === "opened") announce(t("crisis.announce.opened", { title: message.crisis.title }));
    reloadSoon();
  } else if (message.type === "incident" || message.type === "rights") {
    reloadSoon();
  }
}

$("decision-form").addEventListener("csu:written", reloadSoon);

$("activate").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { title: $("activate-title").value.trim() };
  if ($("activate-incident").value) body.incidents = [Number($("activate-incident").value)];
  try {
    await api("/api/crises", { method: "POST", body });
    clearError($("activate-submit"));
    $("activate-title").value = "";
    await load();
    $("decision-text").focus();
  } catch (error) {
    showError($("activate-submit"), error);
  }
});

const dialog = $("close-dialog");
$("close-button").addEventListener("click", () => {
  clearError($("close-confirm"));
  dialog.showModal();
  $("close-summary").focus();
});
$("close-cancel").addEventListener("click", () => dialog.close());

async function closeCrisis() {
  const summary = $("close-summary").value.trim();
  if (!summary) return $("close-summary").reportValidity();
  const closing = crisis;
  try {
    await api(`/api/crises/${closing.id}/close`, { method: "POST", body: { text: summary } });
    dialog.close();
    $("close-summary").value = "";
    crisis = null; // closed here: told in words below, not as someone else's closing
    await load();
    announce(t("crisis.close.done", { title: closing.title }));
    $("last-report").focus(); // the next thing to do: read the frozen report
  } catch (error) {
    showError($("close-confirm"), error);
  }
}

$("close-form").addEventListener("submit", (event) => { event.preventDefault(); closeCrisis(); });
$("close-summary").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.ctrlKey) { event.preventDefault(); closeCrisis(); }
});

async function start() {
  user = await me();
  $("who").textContent = t("crisis.who", { username: user.username, role: t(`crisis.role.${user.role}`) });
  $("decision-by").textContent = t("crisis.decision.by", { username: user.username });
  $("language").append(languageSwitch());
  $("logout").addEventListener("click", () => logout());
  // Read the state once the event stream is open, never before: a change in between would be lost.
  reconnectingSocket("/api/events", onEvent, {
    onOpen: () => {
      load().catch((error) => showError($("room"), error));
      if (may("wall.salvo")) salvos.reload();
    },
  });
}

tickClock($("clock"));
start().catch((error) => { if (error.status !== 401) showError($("room"), error); });
