// The requisitions register: judicial requisitions and right-of-access requests, newest first,
// late ones standing out; supervisors record and follow them, the privacy officer reads them.
// Every change goes through the API, which logs it; exports' progress comes from WS /api/events.
import { api, clearError, showError } from "/static/common/api.js";
import "/static/common/banner.js";
import { el } from "/static/common/dom.js";
import { formatDateTime, fromSiteInput, t, toSiteInput } from "/static/common/i18n.js";
import { reconnectingSocket } from "/static/common/ws.js";
import { query, signedInAs } from "/static/oversight/gate.js";
import { Detail, fromWhom, statusBadge } from "/static/requisitions/detail.js";

const $ = (id) => document.getElementById(id);
const URL = "/api/requisitions";
const state = { records: [], cameras: [], manage: false, kind: "judicial", detail: null };

function row(record) {
  const late = record.late ? el("span", { class: "late-flag", "data-late": "true" }, t("requisitions.late")) : null;
  const tr = el(
    "tr",
    { class: record.late ? "late" : null, "data-id": record.id, "data-reference": record.reference, tabindex: 0 },
    el("td", {}, record.reference),
    el("td", { "data-kind": record.kind }, t(`requisitions.kind.${record.kind}`)),
    el("td", {}, fromWhom(record)),
    el("td", {}, el("time", { datetime: record.received_at }, formatDateTime(record.received_at))),
    el("td", {}, record.deadline ? el("time", { datetime: record.deadline }, formatDateTime(record.deadline)) : "—", late),
    el("td", {}, statusBadge(record.status)),
  );
  const open = () => state.detail.open(record.id);
  tr.addEventListener("click", open);
  tr.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
  return tr;
}

/** Read the register again with the filters set; the open record is read again too. */
async function load() {
  const filters = $("filters");
  try {
    const records = await api(`${URL}${query({ kind: $("f-kind").value, status: $("f-status").value })}`);
    clearError(filters);
    state.records = $("f-late").checked ? records.filter((r) => r.late) : records;
    const rows = state.records.map(row);
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("requisitions.none"))));
    $("register").tBodies[0].replaceChildren(...rows);
    const late = records.filter((r) => r.late).length;
    $("count").textContent = t("requisitions.count", { count: records.length, late });
    document.body.dataset.loaded = "true";
  } catch (error) {
    showError(filters, error);
  }
}

function spanRow(span = {}) {
  const camera = el("select", { "data-field": "camera", required: true },
    ...state.cameras.map((c) => new Option(c.name ? `${c.name} (${c.id})` : c.id, c.id)));
  if (span.camera_id) camera.value = span.camera_id;
  const start = el("input", { type: "datetime-local", "data-field": "start", required: true, value: span.start || "" });
  const end = el("input", { type: "datetime-local", "data-field": "end", required: true, value: span.end || "" });
  const remove = el("button", { type: "button", class: "quiet" }, t("requisitions.spans.remove"));
  const line = el("div", { class: "span-row" },
    el("label", {}, el("span", {}, t("requisitions.spans.camera")), camera),
    el("label", {}, el("span", {}, t("requisitions.spans.start")), start),
    el("label", {}, el("span", {}, t("requisitions.spans.end")), end), remove);
  remove.addEventListener("click", () => line.remove());
  return line;
}

function showForm(kind) {
  state.kind = kind;
  $("form-title").textContent = t(`requisitions.form.title_${kind}`);
  for (const node of $("new-form").querySelectorAll("[data-for]")) node.hidden = node.dataset.for !== kind;
  $("new-form").reset();
  $("n-received").value = toSiteInput(new Date());
  $("n-spans").replaceChildren(spanRow());
  clearError($("save-new"));
  $("form-section").hidden = false;
  $("n-reference").focus();
}

function spansOf() {
  return [...$("n-spans").querySelectorAll(".span-row")].map((line) => {
    const field = (name) => line.querySelector(`[data-field=${name}]`).value;
    const start = fromSiteInput(field("start"));
    const end = fromSiteInput(field("end"));
    return { camera_id: field("camera"), start: start && start.toISOString(), end: end && end.toISOString() };
  });
}

function body() {
  const received = fromSiteInput($("n-received").value);
  const common = {
    kind: state.kind,
    reference: $("n-reference").value.trim(),
    received_at: received ? received.toISOString() : null,
    requested: spansOf(),
  };
  if (state.kind === "access") {
    return { ...common, requester: $("n-requester").value.trim() || null, legal_basis: $("n-access-basis").value };
  }
  const deadline = fromSiteInput($("n-deadline").value);
  return {
    ...common,
    authority: $("n-authority").value.trim() || null,
    officer: $("n-officer").value.trim() || null,
    legal_basis: $("n-basis").value.trim(),
    deadline: deadline ? deadline.toISOString() : null,
  };
}

async function create(event) {
  event.preventDefault();
  const button = $("save-new");
  button.disabled = true;
  try {
    const made = await api(URL, { method: "POST", body: body() });
    clearError(button);
    $("form-section").hidden = true;
    await load();
    await state.detail.open(made.id);
  } catch (error) {
    showError(button, error);
  } finally {
    button.disabled = false;
  }
}

function wire() {
  for (const id of ["f-kind", "f-status", "f-late"]) $(id).addEventListener("change", load);
  for (const id of ["new-judicial", "new-access"]) $(id).addEventListener("click", () => showForm($(id).dataset.kind));
  $("add-span").addEventListener("click", () => $("n-spans").append(spanRow()));
  $("cancel-new").addEventListener("click", () => { $("form-section").hidden = true; });
  $("new-form").addEventListener("submit", create);
}

function backLink(role) {
  const back = $("back");
  const [href, key] = role === "privacy_officer" ? ["/audit", "requisitions.back.audit"] : ["/console", "requisitions.back.console"];
  back.href = href;
  back.textContent = t(key);
  back.hidden = false;
}

async function start() {
  const who = await signedInAs(["supervisor", "privacy_officer"], t("requisitions.what"));
  if (!who) return;
  state.manage = who.role === "supervisor";
  backLink(who.role);
  for (const node of document.querySelectorAll(".manage")) node.hidden = !state.manage;
  $("read-only").hidden = state.manage;
  state.cameras = await api("/api/cameras").catch(() => []);
  state.detail = new Detail($("detail-section"), { manage: state.manage, cameras: state.cameras, changed: load });
  wire();
  await load();
  if (state.manage) {
    // Only who may export gets export events: the bars of this record's exports move with them.
    reconnectingSocket("/api/events", (message) => {
      if (message.type === "export") state.detail.exportEvent(message);
    }, { onOpen: ({ reconnected }) => { if (reconnected) state.detail.reload(); } });
  }
  document.body.dataset.ready = "true";
}

start();
