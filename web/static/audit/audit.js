// The privacy officer's page: search the access log, summaries, export, chain verification, and
// the privacy-zone changes awaiting confirmation (drawn on a blank frame).
// It shows no video and no picture of any camera, by design.
import { api, clearError, showError } from "/static/common/api.js";
import "/static/common/banner.js";
import { el } from "/static/common/dom.js";
import { isoOf, localTime, query, signedInAs } from "/static/oversight/gate.js";
import { setUpZoneChanges } from "/static/oversight/zone_changes.js";

const $ = (id) => document.getElementById(id);
const state = { offset: 0, total: 0 };

function period() {
  return { since: isoOf($("f-since")), until: isoOf($("f-until")) };
}

function filters() {
  return {
    user: $("f-user").value.trim(),
    camera: $("f-camera").value,
    action: $("f-action").value.trim(),
    outcome: $("f-outcome").value,
    ...period(),
  };
}

function flags(list) {
  return list.length ? list.map((text) => el("span", { class: "flag" }, text)) : [];
}

function detailsText(details) {
  const text = Object.keys(details).length ? JSON.stringify(details) : "";
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function entryRow(e) {
  const row = el(
    "tr",
    { class: e.unusual.length ? "unusual" : null, "data-seq": e.seq },
    el("td", {}, String(e.seq)),
    el("td", {}, el("time", { datetime: e.at }, localTime(e.at))),
    el("td", {}, e.user || "—"),
    el("td", {}, e.role || ""),
    el("td", { class: "action" }, e.action),
    el("td", {}, e.camera_id || ""),
    el("td", { class: `outcome-${e.outcome}` }, e.outcome),
    el("td", {}, e.reason || ""),
    el("td", {}, e.client || ""),
    el("td", { class: "muted", title: JSON.stringify(e.details) }, detailsText(e.details)),
    el("td", {}, ...flags(e.unusual)),
  );
  return row;
}

async function search() {
  const button = $("search-button");
  const limit = Number($("f-limit").value);
  try {
    const page = await api(`/api/audit/access${query({ ...filters(), limit, offset: state.offset })}`);
    clearError(button);
    state.total = page.total;
    $("results").tBodies[0].replaceChildren(...page.items.map(entryRow));
    const last = Math.min(state.offset + page.items.length, page.total);
    $("page-info").textContent = page.total
      ? `${state.offset + 1}–${last} of ${page.total}`
      : "no entry matches";
    $("prev").disabled = state.offset === 0;
    $("next").disabled = last >= page.total;
  } catch (error) {
    showError(button, error);
  }
}

function duration(seconds) {
  if (!seconds) return "";
  const minutes = Math.round(seconds / 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

async function summary() {
  const button = $("summary-button");
  const by = $("s-by").value;
  const until = new Date();
  const since = new Date(until.getTime() - Number($("s-days").value) * 86400000);
  try {
    const answer = await api(
      `/api/audit/summary${query({ by, since: since.toISOString(), until: until.toISOString() })}`,
    );
    clearError(button);
    $("s-key-head").textContent = by === "camera" ? "Camera" : "User";
    $("s-who-head").textContent = by === "camera" ? "Users" : "Cameras";
    const rows = answer.items.map((s) =>
      el(
        "tr",
        { class: s.unusual.length ? "unusual" : null, "data-key": s.key },
        el("td", {}, s.key),
        el("td", {}, String(s.entries)),
        el("td", {}, String(s.views)),
        el("td", {}, duration(s.live_seconds)),
        el("td", { class: s.denied ? "outcome-denied" : null }, String(s.denied)),
        el("td", {}, (by === "camera" ? s.users : s.cameras).join(", ")),
        el("td", {}, el("time", { datetime: s.last_at }, localTime(s.last_at))),
        el("td", {}, ...flags(s.unusual)),
      ),
    );
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No activity in the period.")));
    $("summary").tBodies[0].replaceChildren(...rows);
  } catch (error) {
    showError(button, error);
  }
}

function describeKey(v) {
  if (!v.latest_key_fingerprint) return "";
  const pin = v.key_pinned ? "pinned" : "not pinned: compare it with the fingerprint you were given";
  return `Newest checkpoint signed by key ${v.latest_key_fingerprint} (${pin}).`;
}

function describeVerification(v) {
  const checked = `checked ${localTime(v.checked_at)} in ${v.seconds.toFixed(2)} s`;
  if (!v.ok) return `BROKEN — ${v.problem_count} problem(s), listed below (${checked})`;
  if (!v.entries) return `Intact: the log is empty (${checked})`;
  const signed = v.latest_checkpoint
    ? `newest ${v.latest_checkpoint}, ${v.unsigned_entries} entries after it`
    : "no signed checkpoint yet";
  return `Intact: ${v.entries} entries (${v.first_seq}–${v.last_seq}), ${v.checkpoints} signed checkpoints; ${signed} (${checked})`;
}

async function verify(fresh) {
  const button = $("verify-now");
  const status = $("verify-status");
  button.disabled = true;
  if (fresh) status.textContent = "Verifying the whole chain…";
  try {
    const v = await api(`/api/audit/verify${query({ fresh: fresh ? "true" : "" })}`);
    clearError(button);
    status.textContent = describeVerification(v);
    status.className = v.ok ? "status-ok" : "status-broken";
    status.dataset.ok = String(v.ok);
    $("verify-key").textContent = describeKey(v);
    const more = v.problem_count - v.problems.length;
    const lines = more > 0 ? [...v.problems, `… and ${more} more (csu audit verify lists them all)`] : v.problems;
    $("verify-problems").replaceChildren(...lines.map((line) => el("li", {}, line)));
  } catch (error) {
    showError(button, error);
  } finally {
    button.disabled = false;
  }
}

async function exportLog(button) {
  const format = button.dataset.format;
  button.disabled = true;
  try {
    const response = await api(`/api/audit/export${query({ format, ...period() })}`, { raw: true });
    const blob = await response.blob();
    const disposition = response.headers.get("content-disposition") || "";
    const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || `access-log.${format}`;
    const link = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    clearError(button);
  } catch (error) {
    showError(button, error);
  } finally {
    button.disabled = false;
  }
}

async function fillChoices() {
  // Camera names only (metadata): the privacy officer may list cameras, never see them.
  try {
    const cameras = await api("/api/cameras");
    $("f-camera").append(...cameras.map((c) => el("option", { value: c.id }, `${c.name} (${c.id})`)));
    return cameras;
  } catch (error) {
    showError($("f-camera"), error);
    return [];
  }
}

function wire() {
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.offset = 0;
    search();
  });
  $("prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - Number($("f-limit").value));
    search();
  });
  $("next").addEventListener("click", () => {
    state.offset += Number($("f-limit").value);
    search();
  });
  $("summary-form").addEventListener("submit", (event) => {
    event.preventDefault();
    summary();
  });
  $("verify-now").addEventListener("click", () => verify(true));
  for (const button of [$("export-csv"), $("export-jsonl")]) {
    button.addEventListener("click", () => exportLog(button));
  }
  // Back from an outage: show current data again.
  window.addEventListener("csu:reconnected", () => {
    search();
    summary();
  });
}

async function start() {
  const who = await signedInAs(["privacy_officer"], "the audit pages are for the privacy officer only");
  if (!who) return;
  wire();
  const cameras = await fillChoices();
  const loadChanges = setUpZoneChanges($("zone-changes"), {
    me: who,
    cameraName: (id) => (cameras.find((c) => c.id === id) || { name: id }).name,
    snapshot: false,
    onDecided: search,
  });
  window.addEventListener("csu:reconnected", loadChanges);
  await Promise.all([search(), summary(), verify(false), loadChanges()]);
  document.body.dataset.ready = "true";
}

start();
